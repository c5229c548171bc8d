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
        var pattern = new Regex($@"\bname\s*:\s*[""']{Regex.Escape(layer)}[""']");
        foreach (Match m in pattern.Matches(text))
        {
            int lineStart = m.Index == 0 ? 0 : text.LastIndexOf('\n', m.Index - 1) + 1;
            int line = 1 + text.AsSpan(0, m.Index).Count('\n');
            int column = m.Index - lineStart + 1;
            if (Depth(text, m.Index) > 0)
            {
                return (line, column);
            }
        }
        return null;
    }

    private static int Depth(string text, int end)
    {
        // Braces inside strings and comments are rare in layer definitions; a rough count is enough for a position.
        int depth = 0;
        bool inComment = false;
        char quote = '\0';
        for (int i = 0; i < end; i++)
        {
            char c = text[i];
            if (inComment)
            {
                inComment = c != '\n';
            }
            else if (quote != '\0')
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == quote || c == '\n')
                {
                    quote = '\0';
                }
            }
            else if (c == '#')
            {
                inComment = true;
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (c is '{' or '<')
            {
                depth++;
            }
            else if (c is '}' or '>')
            {
                depth--;
            }
        }
        return depth;
    }

    [GeneratedRegex("^Layer '([^']+)'")]
    private static partial Regex LayerInMessage();

    // Fillers name the parameter blob they fill, "<layer>/weight" or "<layer>/<index>".
    [GeneratedRegex("blob '([^'/]+)/[^']*'")]
    private static partial Regex ParameterBlobInMessage();
}
