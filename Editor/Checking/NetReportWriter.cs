using System.Globalization;

namespace Engine.Editor.Checking;

/// <summary>Prints a <see cref="NetCheckResult"/> as an aligned table and a totals line.</summary>
internal static class NetReportWriter
{
    /// <summary>Formats a shape as <c>64×1×28×28</c>; unknown axes are <c>?</c>, a rank-0 blob is <c>scalar</c>.</summary>
    public static string FormatShape(int?[]? shape)
    {
        if (shape is null)
        {
            return "?";
        }
        return shape.Length == 0 ? "scalar" : string.Join("×", shape.Select(d => d?.ToString(CultureInfo.InvariantCulture) ?? "?"));
    }

    /// <summary>Writes the table of <paramref name="result"/> to <paramref name="output"/>.</summary>
    public static void Write(NetCheckResult result, TextWriter output)
    {
        string stages = result.State.Stage.Count > 0 ? string.Join(",", result.State.Stage) : "none";
        output.WriteLine($"net '{result.NetName}' (phase {result.State.Phase.ToString().ToUpperInvariant()}, level {result.State.Level}, stages {stages})");
        if (result.Layers.Count == 0)
        {
            output.WriteLine("  (no layers to show)");
            return;
        }
        string[] header = ["layer", "type", "bottoms", "tops", "params", "FLOPs"];
        var rows = new List<string[]> { header };
        foreach (CheckedLayer l in result.Layers)
        {
            rows.Add([
                l.Name,
                l.Type,
                l.Bottoms.Length == 0 ? "-" : string.Join(", ", l.Bottoms),
                l.Tops.Length == 0 ? "-" : string.Join(", ", l.Tops.Select(t => $"{t.Name} {FormatShape(t.Shape)}")),
                Count(l.Parameters),
                Count(l.Flops),
            ]);
        }
        var widths = new int[header.Length];
        foreach (string[] row in rows)
        {
            for (int c = 0; c < row.Length; c++)
            {
                widths[c] = Math.Max(widths[c], row[c].Length);
            }
        }
        foreach (string[] row in rows)
        {
            var line = new System.Text.StringBuilder("  ");
            for (int c = 0; c < row.Length; c++)
            {
                // Numbers right-aligned, text left-aligned; no trailing blanks.
                bool numeric = c >= 4;
                string cell = numeric ? row[c].PadLeft(widths[c]) : c == row.Length - 1 ? row[c] : row[c].PadRight(widths[c]);
                line.Append(cell);
                if (c < row.Length - 1)
                {
                    line.Append("  ");
                }
            }
            output.WriteLine(line.ToString().TrimEnd());
        }
        output.WriteLine(
            $"  total: {result.Layers.Count} layers, {Count(result.Parameters)} parameters ({Bytes(result.Parameters)}), " +
            $"{Count(result.Flops)} forward FLOPs ({Scaled(result.Flops, "FLOP")}), activations {Count(result.ActivationValues)} values ({Bytes(result.ActivationValues)})");
    }

    private static string Count(long? n) => n?.ToString(CultureInfo.InvariantCulture) ?? "?";

    private static string Bytes(long? values)
    {
        if (values is not long v)
        {
            return "? bytes";
        }
        double bytes = v * 4.0;
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        int u = 0;
        while (bytes >= 1024 && u < units.Length - 1)
        {
            bytes /= 1024;
            u++;
        }
        return u == 0 ? $"{bytes:0} B" : string.Create(CultureInfo.InvariantCulture, $"{bytes:0.##} {units[u]}");
    }

    private static string Scaled(long? n, string unit)
    {
        if (n is not long v)
        {
            return $"? {unit}";
        }
        string[] prefixes = ["", "K", "M", "G", "T", "P"];
        double x = v;
        int p = 0;
        while (x >= 1000 && p < prefixes.Length - 1)
        {
            x /= 1000;
            p++;
        }
        return string.Create(CultureInfo.InvariantCulture, $"{x:0.##} {prefixes[p]}{unit}");
    }
}
