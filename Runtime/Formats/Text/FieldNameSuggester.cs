namespace Engine.Formats;

/// <summary>Finds the known names closest to a misspelt one (Levenshtein distance) for "did you mean" hints.</summary>
internal static class FieldNameSuggester
{
    /// <summary>Returns up to <paramref name="max"/> candidates at the smallest distance, if that distance is plausible.</summary>
    public static IReadOnlyList<string> Suggest(string name, IEnumerable<string> candidates, int max = 3)
    {
        // Allow roughly one edit per three characters; anything further is noise rather than a typo.
        int limit = Math.Max(2, name.Length / 3);
        var scored = candidates
            .Select(c => (Name: c, Distance: Distance(name.ToLowerInvariant(), c.ToLowerInvariant())))
            .Where(x => x.Distance <= limit)
            .OrderBy(x => x.Distance)
            .ThenBy(x => x.Name, StringComparer.Ordinal)
            .ToList();
        if (scored.Count == 0)
        {
            return [];
        }

        int best = scored[0].Distance;
        return scored.Where(x => x.Distance == best).Take(max).Select(x => x.Name).ToList();
    }

    /// <summary>Levenshtein edit distance (insert, delete, substitute all cost 1).</summary>
    public static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitute = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitute, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
