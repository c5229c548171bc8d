using System.Globalization;
using Spectre.Console;

namespace Engine.Editor.Commands;

/// <summary>
/// The small chart <c>engine train</c> prints at the end: loss by iteration and test accuracy by test, each as a
/// sparkline between its first and last value. Plain text, so it reads the same in a terminal and in a log file;
/// coloured on a terminal.
/// </summary>
internal static class TrainingChart
{
    private const string Levels = "▁▂▃▄▅▆▇█";

    /// <summary>Widest sparkline; longer series are averaged into this many columns.</summary>
    public const int MaxColumns = 60;

    /// <summary>The chart's lines (none when nothing was recorded).</summary>
    public static List<string> Lines(TrainingHistory history)
    {
        var lines = new List<string>();
        if (history.Losses.Count > 0)
        {
            (int first, int last) = (history.Losses[0].Iteration, history.Losses[^1].Iteration);
            lines.Add(Row($"Loss (iterations {first}-{last})", history.Losses.Select(l => (double)l.Loss).ToArray()));
        }
        if (history.Accuracies.Count > 0)
        {
            lines.Add(Row($"Test accuracy ({history.Accuracies.Count} test{(history.Accuracies.Count == 1 ? "" : "s")})", history.Accuracies.Select(a => (double)a.Accuracy).ToArray()));
        }
        return lines;
    }

    /// <summary>Writes the chart to <paramref name="stdout"/>, through Spectre with colour when <paramref name="rich"/>.</summary>
    public static void Write(TrainingHistory history, TextWriter stdout, bool rich)
    {
        List<string> lines = Lines(history);
        if (lines.Count == 0)
        {
            return;
        }
        if (!rich)
        {
            lines.ForEach(stdout.WriteLine);
            return;
        }
        var rows = new Rows(lines.Select((l, i) => new Markup((i == 0 ? "[yellow]" : "[green]") + Markup.Escape(l) + "[/]")));
        Terminal.For(stdout, true).Write(new Panel(rows).Header("training").Border(BoxBorder.Rounded));
    }

    /// <summary>A label, the first value, the sparkline and the last value.</summary>
    internal static string Row(string label, double[] values)
    {
        double[] columns = Bucket(values, MaxColumns);
        double min = columns.Min(), max = columns.Max();
        var spark = new char[columns.Length];
        for (int i = 0; i < columns.Length; i++)
        {
            int level = max > min ? (int)Math.Round((columns[i] - min) / (max - min) * (Levels.Length - 1)) : Levels.Length / 2;
            spark[i] = Levels[level];
        }
        var c = CultureInfo.InvariantCulture;
        return $"{label,-32}{values[0].ToString("0.0000", c),9} {new string(spark)} {values[^1].ToString("0.0000", c)}  (min {values.Min().ToString("0.0000", c)}, max {values.Max().ToString("0.0000", c)})";
    }

    /// <summary>Averages <paramref name="values"/> into at most <paramref name="count"/> consecutive buckets.</summary>
    internal static double[] Bucket(double[] values, int count)
    {
        if (values.Length <= count)
        {
            return values;
        }
        var buckets = new double[count];
        for (int b = 0; b < count; b++)
        {
            int start = (int)((long)b * values.Length / count), end = (int)((long)(b + 1) * values.Length / count);
            double sum = 0;
            for (int i = start; i < end; i++)
            {
                sum += values[i];
            }
            buckets[b] = sum / (end - start);
        }
        return buckets;
    }
}
