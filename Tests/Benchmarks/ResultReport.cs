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

    public static string WriteJson(IReadOnlyList<ComparisonRow> rows, string startDirectory)
    {
        string dir = Path.Combine(FindBenchmarksDirectory(startDirectory), "results");
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, "latest.json");
        var items = rows.Select(r => new
        {
            measure = r.Measure,
            engine = Math.Round(r.Engine, 3),
            reference = Math.Round(r.Reference, 3),
            unit = r.Unit,
            ratio = Math.Round(r.Ratio, 4),
        });
        File.WriteAllText(path, JsonSerializer.Serialize(items, new JsonSerializerOptions { WriteIndented = true }) + "\n");
        return path;
    }

    // The binary runs from bin/...; results belong next to the project file so they can be committed.
    private static string FindBenchmarksDirectory(string start)
    {
        for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Engine.Benchmarks.csproj"))) return dir.FullName;
        return Directory.GetCurrentDirectory();
    }
}
