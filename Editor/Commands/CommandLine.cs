namespace Engine.Editor.Commands;

/// <summary>Minimal option parsing shared by the verbs: <c>--name value</c>, <c>--flag</c>, and positional arguments.</summary>
internal sealed class CommandLine
{
    private readonly Dictionary<string, List<string?>> _options = new(StringComparer.Ordinal);

    /// <summary>Parses <paramref name="args"/>; <paramref name="flags"/> are options that take no value.</summary>
    public CommandLine(string[] args, params string[] flags)
    {
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                string name = a[2..];
                string? value = null;
                int eq = name.IndexOf('=');
                if (eq >= 0)
                {
                    value = name[(eq + 1)..];
                    name = name[..eq];
                }
                else if (!flags.Contains(name))
                {
                    if (i + 1 >= args.Length)
                    {
                        throw new CliError($"option --{name} needs a value");
                    }
                    value = args[++i];
                }
                if (!_options.TryGetValue(name, out List<string?>? values))
                {
                    _options[name] = values = [];
                }
                values.Add(value);
            }
            else
            {
                Positional.Add(a);
            }
        }
    }

    /// <summary>Arguments that are not options, in order.</summary>
    public List<string> Positional { get; } = [];

    /// <summary>True when the option or flag was given.</summary>
    public bool Has(string name) => _options.ContainsKey(name);

    /// <summary>The option's value, or <paramref name="fallback"/>.</summary>
    public string? Get(string name, string? fallback = null) => _options.TryGetValue(name, out List<string?>? v) ? v[^1] ?? fallback : fallback;

    /// <summary>Every value given for a repeatable option, in order.</summary>
    public IReadOnlyList<string> GetAll(string name)
        => _options.TryGetValue(name, out List<string?>? v) ? v.Where(x => x is not null).Select(x => x!).ToArray() : [];

    /// <summary>Throws a <see cref="CliError"/> naming the first option that is not in <paramref name="known"/>.</summary>
    public void RejectUnknownOptions(params string[] known)
    {
        foreach (string name in _options.Keys)
        {
            if (!known.Contains(name))
            {
                string[] close = Suggestions.Closest(name, known, 1);
                throw new CliError($"unknown option --{name}" + (close.Length > 0 ? $"; did you mean --{close[0]}?" : ""));
            }
        }
    }

    /// <summary>The option's value as an integer.</summary>
    public int GetInt(string name, int fallback)
    {
        string? v = Get(name);
        if (v is null)
        {
            return fallback;
        }
        return int.TryParse(v, out int n) ? n : throw new CliError($"option --{name} expects a whole number, got '{v}'");
    }
}
