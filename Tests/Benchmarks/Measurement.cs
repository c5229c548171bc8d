using System.Diagnostics;

namespace Engine.Benchmarks;

/// <summary>Timing helpers: repeat an action for a minimum duration, summarise samples by their median.</summary>
internal static class Measurement
{
    /// <summary>Runs <paramref name="action"/> until at least <paramref name="seconds"/> have passed; returns seconds per run.</summary>
    public static double SecondsPerRun(Action action, double seconds)
    {
        long budget = (long)(seconds * Stopwatch.Frequency);
        int runs = 0;
        long start = Stopwatch.GetTimestamp(), elapsed;
        do
        {
            action();
            runs++;
            elapsed = Stopwatch.GetTimestamp() - start;
        } while (elapsed < budget);
        return (double)elapsed / Stopwatch.Frequency / runs;
    }

    public static double Median(IEnumerable<double> samples)
    {
        var sorted = samples.OrderBy(x => x).ToArray();
        if (sorted.Length == 0) throw new InvalidOperationException("no samples");
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
