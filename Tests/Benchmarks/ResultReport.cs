using System.Globalization;
using System.Text.Json;

namespace Engine.Benchmarks;

/// <summary>Prints comparison rows as a table and stores them as Tests/Benchmarks/results/latest.json.</summary>
internal static class ResultReport
{
    public static void Print(IReadOnlyList<ComparisonRow> rows, TextWriter output)
    {
        int width = Math.Max(7, rows.Count == 0 ? 0 : rows.Max(r => r.Measure.Length));
        output.WriteLine($"{"measure".PadRight(width)} | {"Engine",10} | {"reference",10} | {"ratio",6} | unit");
        output.WriteLine($"{new string('-', width)}-|-{new string('-', 10)}-|-{new string('-', 10)}-|-{new string('-', 6)}-|-----");
        foreach (var r in rows)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Measure.PadRight(width)} | {r.Engine,10:F1} | {r.Reference,10:F1} | {r.Ratio,6:F3} | {r.Unit}"));
    }

    /// <summary>
    /// Merges <paramref name="rows"/> into latest.json: a row replaces the stored row of the same measure, other stored rows
    /// stay, so running `compare gemm` after `compare all` keeps the lenet/mlp/latency figures instead of dropping them.
    /// </summary>
    public static string WriteJson(IReadOnlyList<ComparisonRow> rows, string startDirectory)
    {
        string dir = Path.Combine(FindBenchmarksDirectory(startDirectory), "results");
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, "latest.json");
        var merged = new List<StoredRow>(ReadStored(path));
        foreach (var r in rows)
        {
            var row = new StoredRow(r.Measure, Math.Round(r.Engine, 3), Math.Round(r.Reference, 3), r.Unit, Math.Round(r.Ratio, 4));
            int at = merged.FindIndex(s => s.measure == r.Measure);
            if (at >= 0) merged[at] = row;
            else merged.Add(row);
        }
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(merged, new JsonSerializerOptions { WriteIndented = true }) + "\n");
        File.Move(temporary, path, overwrite: true);
        return path;
    }

    // Lower-case names: they are the JSON field names the issue fixes (measure, engine, reference, unit, ratio).
#pragma warning disable IDE1006
    private sealed record StoredRow(string measure, double engine, double reference, string unit, double ratio);
#pragma warning restore IDE1006

    private static IEnumerable<StoredRow> ReadStored(string path)
    {
        if (!File.Exists(path)) return [];
        try
        {
            return JsonSerializer.Deserialize<List<StoredRow>>(File.ReadAllText(path)) ?? [];
        }
        catch (JsonException)
        {
            // A file edited by hand into something unreadable is replaced rather than blocking a benchmark run.
            return [];
        }
    }

    // The binary runs from bin/...; results belong next to the project file so they can be committed.
    private static string FindBenchmarksDirectory(string start)
    {
        for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Engine.Benchmarks.csproj"))) return dir.FullName;
        return Directory.GetCurrentDirectory();
    }
}
