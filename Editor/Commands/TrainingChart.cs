using System.Globalization;
using Spectre.Console;

namespace Engine.Editor.Commands;

/// <summary>
/// The small chart <c>engine train</c> prints at the end: loss by iteration and test accuracy by test, each as a
/// sparkline between its first and last value under a heading with its range. Plain text, so it reads the same in a terminal and in a log file;
/// coloured on a terminal.
/// </summary>
internal static class TrainingChart
{
    private const string Levels = "▁▂▃▄▅▆▇█";

    /// <summary>Widest sparkline; longer series are averaged into this many columns.</summary>
    public const int MaxColumns = 60;

    /// <summary>The chart's lines, two per series (none when nothing was recorded).</summary>
    public static List<string> Lines(TrainingHistory history)
    {
        var lines = new List<string>();
        if (history.Losses.Count > 0)
        {
            (int first, int last) = (history.Losses[0].Iteration, history.Losses[^1].Iteration);
            lines.AddRange(Series($"Loss, iterations {first}-{last}", history.Losses.Select(l => (double)l.Loss).ToArray()));
        }
        if (history.Accuracies.Count > 0)
        {
            int tests = history.Accuracies.Count;
            lines.AddRange(Series($"Test accuracy, {tests} test{(tests == 1 ? "" : "s")}", history.Accuracies.Select(a => (double)a.Accuracy).ToArray()));
        }
        return lines;
    }

    /// <summary>Writes the chart to <paramref name="stdout"/>, through Spectre with colour when <paramref name="rich"/>.</summary>
    public static void Write(TrainingHistory history, TextWriter stdout, bool rich)
    {
        List<string> lines = Lines(history);
        if (!rich)
        {
            lines.ForEach(stdout.WriteLine);
            return;
        }
        IAnsiConsole console = Terminal.For(stdout, true);
        for (int i = 0; i < lines.Count; i++)
        {
            // Headings bold, the loss sparkline yellow, the accuracy one green.
            string style = i % 2 == 0 ? "bold" : i == 1 ? "yellow" : "green";
            console.MarkupLine($"[{style}]{Markup.Escape(lines[i])}[/]");
        }
    }

    /// <summary>
    /// A heading with the range, then the first value, the sparkline and the last value: under 80 columns, so a
    /// terminal does not wrap it.
    /// </summary>
    internal static string[] Series(string label, double[] values)
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
        return
        [
            $"{label} (min {values.Min().ToString("0.0000", c)}, max {values.Max().ToString("0.0000", c)}):",
            $"  {values[0].ToString("0.0000", c)} {new string(spark)} {values[^1].ToString("0.0000", c)}",
        ];
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
