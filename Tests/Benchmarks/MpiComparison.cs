using System.Diagnostics;
using System.Globalization;

namespace Engine.Benchmarks;

/// <summary>
/// Data-parallel scaling over MPI, one thread per rank, 1 rank against 2 ranks under <c>mpirun</c>, for two nets:
/// Caffe's CIFAR10-quick convnet (batch 100 per rank, 0.58 MB of gradients per step: compute-bound) and a wide MLP
/// 1024-2048-2048-10 (batch 256 per rank, 25 MB of gradients: bound by the allreduce's memory traffic).
/// Rows per net: <c>mpi-&lt;net&gt;-2ranks</c> (Engine = 2 ranks, reference = 1 rank, ratio = speed-up),
/// <c>-2ranks-cpu</c> (the same over rank 0's CPU time: the rate with a core per rank on a shared machine),
/// <c>-2ranks-core</c> (over rank 0's CPU time without the blocked wait plus the CPU time of the reduction alone: the CPU-s rate
/// without the spin of a rank waiting for a descheduled peer, the estimate for an idle machine) and the
/// allreduce share (percent of the 2-rank step outside compute / blocked after backward; the MLP's keeps its old name,
/// <c>mpi-allreduce-share</c>), and <c>-allreduce-alone</c>: the reduction timed with the ranks lined up (ms per step;
/// reference = the 2-rank step in ms), which tells the collective's own cost from waiting for a slower rank.
/// </summary>
internal sealed class MpiComparison : IComparison
{
    /// <summary>
    /// <c>mpirun</c> process binding (<c>--bind-to</c>); <c>none</c> by default. On a shared machine binding each rank
    /// to a core kept a rank on a core another job was using and lowered the 2-rank figure (README); set <c>core</c>
    /// to compare on an idle machine.
    /// </summary>
    private const string BindVariable = "ENGINE_MPI_BIND";

    private static readonly Workload[] Workloads =
    [
        new("mpi-cifar10quick", "mpi-cifar10quick-allreduce-share",
            "bench --net cifar10quick --batch 100 --samples 1000 --warmup 2 --iters 8"),
        new("mpi-mlp2048", "mpi-allreduce-share",
            "bench --net mlp --inputs 1024 --hidden 2048,2048 --batch 256 --samples 2048 --warmup 2 --iters 10"),
    ];

    public string Name => "mpi";

    public string Description => "CIFAR10-quick batch 100/rank and wide MLP 1024-2048-2048-10 batch 256/rank: 2 MPI ranks vs 1 (1 thread each), allreduce share";

    public IReadOnlyList<ComparisonRow> Run(BenchmarkSettings settings)
    {
        string bind = Environment.GetEnvironmentVariable(BindVariable) is { Length: > 0 } given ? given : "none";
        var rows = new List<ComparisonRow>();
        foreach (Workload workload in Workloads)
        {
            var one = new List<Result>();
            var two = new List<Result>();
            Console.Error.WriteLine($"{workload.Row} (mpirun --bind-to {bind}):");
            for (int round = 0; round < Math.Max(1, settings.Rounds); round++)
            {
                // Alternate so that load from other processes on a shared machine hits both alike.
                one.Add(RunRanks(1, workload.Arguments, bind));
                two.Add(RunRanks(2, workload.Arguments, bind));
                Result a = one[^1], b = two[^1];
                // Per-rank compute in the 2-rank step against the 1-rank step shows contention (memory, caches, other jobs).
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  round {round + 1} (load {Load()}): 1 rank {a.ImagesPerSecond:0.0} img/s, {a.ImagesPerCpuSecond:0.0} per CPU-s, step {a.StepMs:0.0} ms; " +
                    $"2 ranks {b.ImagesPerSecond:0.0} img/s ({b.ImagesPerSecond / a.ImagesPerSecond:0.00}x), {b.ImagesPerCpuSecond:0.0} per rank-0 CPU-s ({b.ImagesPerCpuSecond / a.ImagesPerCpuSecond:0.00}x), " +
                    $"{b.ImagesPerCoreSecond:0.0} per core-s ({b.ImagesPerCoreSecond / a.ImagesPerCpuSecond:0.00}x), " +
                    $"step {b.StepMs:0.0} ms = compute {b.StepMs * (1 - b.CommShare):0.0} + allreduce {b.StepMs * b.CommShare:0.0} ({100 * b.CommShare:0.0}%, blocked {100 * b.WaitShare:0.0}%; " +
                    $"alone {b.ReduceMs:0.00} ms = {100 * b.ReduceMs / b.StepMs:0.0}%, {b.ReduceCpuMs:0.00} ms CPU); gen-0 GCs {a.Collections}/{b.Collections}"));
            }
            rows.Add(new ComparisonRow($"{workload.Row}-2ranks", Median(two.Select(r => r.ImagesPerSecond)), Median(one.Select(r => r.ImagesPerSecond)),
                "images/s (reference = 1 rank)", HigherIsBetter: true));
            // Wall-clock scaling needs two idle cores; on a shared machine the CPU-time rate shows the scaling itself.
            rows.Add(new ComparisonRow($"{workload.Row}-2ranks-cpu", Median(two.Select(r => r.ImagesPerCpuSecond)), Median(one.Select(r => r.ImagesPerCpuSecond)),
                "images per CPU-s of a rank (reference = 1 rank)", HigherIsBetter: true));
            // The CPU-s rate also counts the spin of a rank waiting for a descheduled peer; this one replaces the
            // whole blocked wait by the reduction's CPU time alone: the estimate for an idle machine with a core per rank.
            rows.Add(new ComparisonRow($"{workload.Row}-2ranks-core", Median(two.Select(r => r.ImagesPerCoreSecond)), Median(one.Select(r => r.ImagesPerCpuSecond)),
                "images per core-s: CPU-s without the wait, plus the reduction's CPU-s alone (reference = 1 rank per CPU-s)", HigherIsBetter: true));
            rows.Add(new ComparisonRow(workload.ShareRow, 100 * Median(two.Select(r => r.CommShare)), 100 * Median(two.Select(r => r.WaitShare)),
                "% of step (reference = blocked part)", HigherIsBetter: false));
            rows.Add(new ComparisonRow($"{workload.Row}-allreduce-alone", Median(two.Select(r => r.ReduceMs)), Median(two.Select(r => r.StepMs)),
                "ms per step, ranks lined up (reference = 2-rank step ms)", HigherIsBetter: false));
        }
        return rows;
    }

    // One-minute load average: figures taken at a load above the core count are the other jobs' as much as ours.
    private static string Load() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>A net the worker trains: row name prefix, name of its allreduce-share row, worker arguments.</summary>
    private sealed record Workload(string Row, string ShareRow, string Arguments);

    /// <summary>ImagesPerCpuSecond: global images over rank 0's CPU time, i.e. the rate if every rank had a core to itself.
    /// ImagesPerCoreSecond: the same over rank 0's CPU time outside the blocked wait plus the reduction alone: the rate
    /// with a core per rank and no rank falling behind.
    /// ReduceMs / ReduceCpuMs: the reduction alone per step, ranks lined up, wall clock / rank 0's CPU time. Collections: gen-0 GCs in the timed window (should be 0).</summary>
    private sealed record Result(double ImagesPerSecond, double ImagesPerCpuSecond, double ImagesPerCoreSecond, double StepMs, double CommShare, double WaitShare, double ReduceMs, double ReduceCpuMs, int Collections);

    private static Result RunRanks(int ranks, string arguments, string bind)
    {
        var start = new ProcessStartInfo("mpirun") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in $"--allow-run-as-root --oversubscribe --bind-to {bind} -np {ranks} dotnet {WorkerPath()} {arguments}".Split(' '))
        {
            start.ArgumentList.Add(a);
        }
        start.Environment["OMPI_MCA_btl_vader_single_copy_mechanism"] = "none";
        start.Environment["ENGINE_THREADS"] = "1";
        // Fully optimised code from the first call: with tiering, the timed window (a second or two after a short
        // warm-up) still ran tier-0 code and tier-1 compiles on a background thread, 15-20 % of a rank's CPU time, which
        // a single rank gets for free from the idle second core and two ranks do not.
        start.Environment["DOTNET_TieredCompilation"] = "0";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start mpirun");
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        string? line = output.Split('\n').FirstOrDefault(l => l.Contains("RESULT ", StringComparison.Ordinal));
        if (process.ExitCode != 0 || line is null)
        {
            throw new InvalidOperationException($"mpirun -np {ranks} failed ({process.ExitCode}):\n{output}\n{error.Result}");
        }
        Dictionary<string, string> fields = line[(line.IndexOf("RESULT ", StringComparison.Ordinal) + 7)..].Trim()
            .Split(' ').Select(f => f.Split('=')).ToDictionary(f => f[0], f => f[1]);
        double Get(string key) => double.Parse(fields[key], CultureInfo.InvariantCulture);
        return new Result(Get("images_per_s"), Get("images_per_cpu_s"), Get("images_per_core_s"), 1000 * Get("seconds") / Get("iterations"), Get("comm_share"), Get("wait_share"),
            Get("reduce_ms"), Get("reduce_cpu_ms"), (int)Get("gc0"));
    }

    // bin/<Configuration>/<tfm>/ of this program → Tests/Distributed/MpiWorker/bin/<Configuration>/<tfm>/.
    private static string WorkerPath()
    {
        var tfm = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string tests = tfm.Parent!.Parent!.Parent!.Parent!.FullName;
        string path = Path.Combine(tests, "Distributed", "MpiWorker", "bin", tfm.Parent.Name, tfm.Name, "Engine.MpiWorker.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"the MPI worker is not built: {path}");
    }
}
