namespace Engine;

/// <summary>Finds the names closest to a misspelt one (for "did you mean" hints).</summary>
public static class Suggestions
{
    /// <summary>Up to <paramref name="max"/> candidates closest to <paramref name="name"/> by case-insensitive edit distance.</summary>
    public static string[] Closest(string name, IEnumerable<string> candidates, int max)
    {
        string lower = name.ToLowerInvariant();
        return candidates
            .Select(c => (c, d: (long)name.Length * c.Length > MaxDistanceCells ? int.MaxValue : Distance(lower, c.ToLowerInvariant())))
            .Where(x => x.d <= Math.Max(2, Math.Max(name.Length, x.c.Length) / 2) || x.c.Contains(name, StringComparison.OrdinalIgnoreCase))
            .OrderBy(x => x.d)
            .ThenBy(x => x.c, StringComparer.Ordinal)
            .Take(max)
            .Select(x => x.c)
            .ToArray();
    }

    // Edit distance costs the product of the lengths: two 30 000-character blob names took a second of CPU for
    // one error message. Past this many cells (two names of 1 000 characters) a typo hint means nothing; only a
    // containing name is still suggested.
    private const long MaxDistanceCells = 1_000_000;

    /// <summary>Levenshtein distance.</summary>
    public static int Distance(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            prev[j] = j;
        }
        for (int i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }
}
