using Engine.Proto;

namespace Engine.Editor.Checking;

/// <summary>
/// The field names written at the outermost level of a prototxt document, with their positions. A lenient scan
/// (comments, strings and nesting skipped) that never fails, so it can classify a file before the strict parser
/// runs and point later semantic errors (solver fields) at a line and column.
/// </summary>
internal sealed class TopLevelFields
{
    private readonly List<(string Name, int Line, int Column)> _fields = [];

    private TopLevelFields()
    {
    }

    /// <summary>The fields in document order.</summary>
    public IReadOnlyList<(string Name, int Line, int Column)> Fields => _fields;

    /// <summary>Scans <paramref name="text"/>.</summary>
    public static TopLevelFields Scan(string text)
    {
        var result = new TopLevelFields();
        int depth = 0, line = 1, column = 1;
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (c == '\n')
            {
                line++;
                column = 1;
                i++;
                continue;
            }
            if (c == '#')
            {
                while (i < text.Length && text[i] != '\n')
                {
                    i++;
                }
                continue;
            }
            if (c is '"' or '\'')
            {
                Advance(text, ref i, ref line, ref column);
                while (i < text.Length && text[i] != c && text[i] != '\n')
                {
                    if (text[i] == '\\' && i + 1 < text.Length && text[i + 1] != '\n')
                    {
                        Advance(text, ref i, ref line, ref column);
                    }
                    Advance(text, ref i, ref line, ref column);
                }
                if (i < text.Length && text[i] == c)
                {
                    Advance(text, ref i, ref line, ref column);
                }
                continue;
            }
            if (c is '{' or '<')
            {
                depth++;
            }
            else if (c is '}' or '>')
            {
                depth = Math.Max(0, depth - 1);
            }
            else if (char.IsLetter(c) || c == '_')
            {
                int start = i, startColumn = column;
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '_'))
                {
                    i++;
                    column++;
                }
                if (depth == 0 && NextSignificant(text, i) is ':' or '{' or '<')
                {
                    result._fields.Add((text[start..i], line, startColumn));
                }
                continue;
            }
            Advance(text, ref i, ref line, ref column);
        }
        return result;
    }

    /// <summary>
    /// True when the document reads as a solver: some outer field exists only in <see cref="SolverParameter"/>
    /// (base_lr, net, train_net, lr_policy, ...). Anything else, including garbage, is treated as a net so that the
    /// net parser reports the error.
    /// </summary>
    public bool LooksLikeSolver
        => _fields.Any(f => SolverParameter.Descriptor.FindFieldByName(f.Name) is not null
                            && NetParameter.Descriptor.FindFieldByName(f.Name) is null);

    /// <summary>Position of the first outer occurrence of <paramref name="name"/>, if any.</summary>
    public (int Line, int Column)? Find(string name)
    {
        foreach (var f in _fields)
        {
            if (f.Name == name)
            {
                return (f.Line, f.Column);
            }
        }
        return null;
    }

    private static void Advance(string text, ref int i, ref int line, ref int column)
    {
        if (text[i] == '\n')
        {
            line++;
            column = 1;
        }
        else
        {
            column++;
        }
        i++;
    }

    private static char NextSignificant(string text, int i)
    {
        while (i < text.Length && char.IsWhiteSpace(text[i]))
        {
            i++;
        }
        return i < text.Length ? text[i] : '\0';
    }
}
