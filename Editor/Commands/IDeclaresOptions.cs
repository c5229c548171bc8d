using System.CommandLine;

namespace Engine.Editor.Commands;

/// <summary>
/// Optional for an <see cref="ICliCommand"/>: declares the verb's options and arguments on its System.CommandLine
/// command, so the parser rejects unknown or malformed options (with typo suggestions) before the verb runs.
/// A verb without it accepts any tokens and validates them itself.
/// </summary>
internal interface IDeclaresOptions
{
    /// <summary>Adds the verb's options and arguments to <paramref name="command"/>.</summary>
    void Declare(Command command);
}
