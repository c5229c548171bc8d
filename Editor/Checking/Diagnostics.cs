using System.Text.RegularExpressions;
using Engine.Formats;

namespace Engine.Editor.Checking;

/// <summary>
/// Turns the exceptions a definition can raise into one <c>file:line:column: message</c> line (or
/// <c>file: message</c> when nothing points at a position). Layer errors are placed at the layer's <c>name:</c>.
/// </summary>
internal static partial class Diagnostics
{
    /// <summary>Whether <paramref name="e"/> is a problem with the input rather than a bug of the tool.</summary>
    public static bool IsInputError(Exception e)
        => e is FormatException or NetException or LayerException or CheckFailure or ArgumentException
            or IOException or UnauthorizedAccessException or NotSupportedException;

    /// <summary>The one-line diagnostic for <paramref name="e"/> raised while reading or building <paramref name="file"/>.</summary>
    /// <param name="file">The definition file.</param>
    /// <param name="text">Its text, to find layer positions; null when unavailable.</param>
    /// <param name="e">The failure.</param>
    public static string Format(string file, string? text, Exception e)
    {
        string message = e.Message.ReplaceLineEndings(" ");
        if (e is PrototxtException || message.StartsWith(file + ":", StringComparison.Ordinal))
        {
            return message;
        }
        if (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return $"{file}: file not found";
        }
        string? layer = e is LayerException le ? le.LayerName
            : LayerNamedIn(message) is { } named ? named
            : ParameterBlobInMessage().Match(message) is { Success: true } p ? p.Groups[1].Value
            : null;
        if (layer is not null && text is not null && FindLayer(text, layer) is (int line, int column))
        {
            return $"{file}:{line}:{column}: {message}";
        }
        return $"{file}: {message}";
    }

    /// <summary>The layer a net error message starts with (<c>Layer 'x' ...</c>), if any.</summary>
    public static string? LayerNamedIn(string message)
        => LayerInMessage().Match(message) is { Success: true } m ? m.Groups[1].Value : null;

    /// <summary>Position of <c>name: "<paramref name="layer"/>"</c> inside a block (not the net's own name).</summary>
    public static (int Line, int Column)? FindLayer(string text, string layer)
    {
        // One fixed pattern and an ordinal comparison: a regex built from the name would cost time growing with the
        // square of the name's length (a fuzzed 130 KB name took seconds to compile). The depth scan resumes where
        // the previous match left it, so many name fields cost one pass over the text.
        var scan = new DepthScan();
        foreach (Match m in NameField().Matches(text))
        {
            int start = m.Index + m.Length;
            int end = start + layer.Length;
            if (end >= text.Length || text[end] is not ('"' or '\'') || string.CompareOrdinal(text, start, layer, 0, layer.Length) != 0)
            {
                continue;
            }
            int lineStart = m.Index == 0 ? 0 : text.LastIndexOf('\n', m.Index - 1) + 1;
            int line = 1 + text.AsSpan(0, m.Index).Count('\n');
            int column = m.Index - lineStart + 1;
            if (scan.AdvanceTo(text, m.Index) > 0)
            {
                return (line, column);
            }
        }
        return null;
    }

    /// <summary>Brace depth at increasing positions of one text.</summary>
    private sealed class DepthScan
    {
        private int _position;
        private int _depth;
        private bool _inComment;
        private char _quote;

        public int AdvanceTo(string text, int end)
        {
            // Braces inside strings and comments are rare in layer definitions; a rough count is enough for a position.
            for (; _position < end; _position++)
            {
                char c = text[_position];
                if (_inComment)
                {
                    _inComment = c != '\n';
                }
                else if (_quote != '\0')
                {
                    if (c == '\\')
                    {
                        _position++;
                    }
                    else if (c == _quote || c == '\n')
                    {
                        _quote = '\0';
                    }
                }
                else if (c == '#')
                {
                    _inComment = true;
                }
                else if (c is '"' or '\'')
                {
                    _quote = c;
                }
                else if (c is '{' or '<')
                {
                    _depth++;
                }
                else if (c is '}' or '>')
                {
                    _depth--;
                }
            }
            return _depth;
        }
    }

    [GeneratedRegex(@"\bname\s*:\s*[""']")]
    private static partial Regex NameField();

    [GeneratedRegex("^Layer '([^']+)'")]
    private static partial Regex LayerInMessage();

    // Fillers name the parameter blob they fill, "<layer>/weight" or "<layer>/<index>".
    [GeneratedRegex("blob '([^'/]+)/[^']*'")]
    private static partial Regex ParameterBlobInMessage();
}
