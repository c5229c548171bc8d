namespace Engine.Editor.Commands;

/// <summary>
/// One verb of the <c>engine</c> tool. Implementations are found by reflection, so a new verb is a new file.
/// Exit codes: 0 success, 1 bad input (a readable one-line error on stderr), 2 internal error.
/// </summary>
internal interface ICliCommand
{
    /// <summary>The verb, e.g. <c>check</c>.</summary>
    string Name { get; }

    /// <summary>One line for <c>engine --help</c>.</summary>
    string Summary { get; }

    /// <summary>Usage text with an example, printed for <c>engine VERB --help</c>.</summary>
    string Usage { get; }

    /// <summary>Runs the verb with the arguments after it.</summary>
    int Run(string[] args, TextWriter stdout, TextWriter stderr);
}
