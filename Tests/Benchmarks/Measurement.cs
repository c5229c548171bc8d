using System.Diagnostics;

namespace Engine.Benchmarks;

/// <summary>Timing helpers: repeat an action for a minimum duration, summarise samples by their median.</summary>
internal static class Measurement
{
    /// <summary>
    /// Runs <paramref name="action"/> until at least <paramref name="seconds"/> have passed; returns seconds per run. With
    /// <paramref name="cpuTime"/> the clock is the process's CPU time, which on a machine shared with other jobs measures a
    /// single-threaded workload without the time it spent descheduled (meaningless for multi-threaded ones: spinning counts).
    /// </summary>
    public static double SecondsPerRun(Action action, double seconds, bool cpuTime = false)
    {
        double start = Now(cpuTime), elapsed;
        long runs = 0;
        int batch = 1;
        do
        {
            for (int i = 0; i < batch; i++) action();
            runs += batch;
            elapsed = Now(cpuTime) - start;
            // Reading the clock costs about as much as a µs-scale call (the CPU-time clock is a system call), so it is read
            // after ever larger batches while the run is short of its duration.
            if (elapsed < seconds / 64 && batch < 1 << 20) batch *= 2;
        } while (elapsed < seconds);
        return elapsed / runs;
    }

    private static double Now(bool cpuTime) =>
        cpuTime ? Environment.CpuUsage.TotalTime.TotalSeconds : (double)Stopwatch.GetTimestamp() / Stopwatch.Frequency;

    public static double Median(IEnumerable<double> samples)
    {
        var sorted = samples.OrderBy(x => x).ToArray();
        if (sorted.Length == 0) throw new InvalidOperationException("no samples");
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
