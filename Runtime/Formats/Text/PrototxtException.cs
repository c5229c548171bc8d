namespace Engine.Formats;

/// <summary>
/// A prototxt (protobuf text format) document could not be parsed. The message starts with
/// <c>file:line:column:</c> so that editors and terminals can jump to the culprit.
/// </summary>
public sealed class PrototxtException : FormatException
{
    /// <summary>Creates the exception for a problem at a 1-based position in <paramref name="file"/>.</summary>
    /// <param name="file">File name (or a pseudo name such as <c>&lt;string&gt;</c>) of the document.</param>
    /// <param name="line">1-based line of the offending token.</param>
    /// <param name="column">1-based column (in characters) of the offending token.</param>
    /// <param name="reason">What went wrong, without the position prefix.</param>
    public PrototxtException(string file, int line, int column, string reason)
        : base($"{file}:{line}:{column}: {reason}")
    {
        File = file;
        Line = line;
        Column = column;
        Reason = reason;
    }

    /// <summary>File name (or pseudo name) of the document that failed to parse.</summary>
    public string File { get; }

    /// <summary>1-based line of the problem.</summary>
    public int Line { get; }

    /// <summary>1-based column of the problem, counted in characters (a tab counts as one).</summary>
    public int Column { get; }

    /// <summary>The problem description without the <c>file:line:column:</c> prefix.</summary>
    public string Reason { get; }
}
