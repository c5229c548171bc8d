using System.Diagnostics;
using System.Globalization;

namespace Engine.Benchmarks;

/// <summary>
/// Data-parallel scaling over MPI: training images/s of a compute-bound wide MLP (1024-2048-2048-10, batch 256 per
/// rank, one thread per rank) for 1 rank and for 2 ranks under <c>mpirun</c>, and the share of the 2-rank step time
/// spent on the gradient allreduce. Rows: mpi-mlp2048-2ranks (Engine = 2 ranks, reference = 1 rank, ratio = speed-up),
/// mpi-mlp2048-2ranks-cpu (the same over rank 0's CPU time: the rate with a core per rank on a shared machine),
/// mpi-allreduce-share (percent of step time outside compute / blocked after backward).
/// </summary>
internal sealed class MpiComparison : IComparison
{
    private const string Model = "bench --inputs 1024 --hidden 2048,2048 --batch 256 --samples 2048 --warmup 2 --iters 10";

    public string Name => "mpi";

    public string Description => "wide MLP 1024-2048-2048-10 batch 256/rank: 2 MPI ranks vs 1 (1 thread each), allreduce share";

    public IReadOnlyList<ComparisonRow> Run(BenchmarkSettings settings)
    {
        var one = new List<Result>();
        var two = new List<Result>();
        for (int round = 0; round < Math.Max(1, settings.Rounds); round++)
        {
            // Alternate so that load from other processes on a shared machine hits both alike.
            one.Add(RunRanks(1));
            two.Add(RunRanks(2));
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  round {round + 1}: 1 rank {one[^1].ImagesPerSecond:0.0} img/s ({one[^1].ImagesPerCpuSecond:0.0} per CPU-s), 2 ranks {two[^1].ImagesPerSecond:0.0} img/s ({two[^1].ImagesPerCpuSecond:0.0} per rank-0 CPU-s), allreduce {100 * two[^1].CommShare:0.0}% of step ({100 * two[^1].WaitShare:0.0}% blocked)"));
        }
        double single = Median(one.Select(r => r.ImagesPerSecond));
        double pair = Median(two.Select(r => r.ImagesPerSecond));
        return
        [
            new ComparisonRow("mpi-mlp2048-2ranks", pair, single, "images/s (reference = 1 rank)", HigherIsBetter: true),
            // Wall-clock scaling needs two idle cores; on a shared machine the CPU-time rate shows the scaling itself.
            new ComparisonRow("mpi-mlp2048-2ranks-cpu", Median(two.Select(r => r.ImagesPerCpuSecond)), Median(one.Select(r => r.ImagesPerCpuSecond)), "images per CPU-s of a rank (reference = 1 rank)", HigherIsBetter: true),
            new ComparisonRow("mpi-allreduce-share", 100 * Median(two.Select(r => r.CommShare)), 100 * Median(two.Select(r => r.WaitShare)), "% of step (reference = blocked part)", HigherIsBetter: false),
        ];
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>ImagesPerCpuSecond: global images over rank 0's CPU time, i.e. the rate if every rank had a core to itself.</summary>
    private sealed record Result(double ImagesPerSecond, double ImagesPerCpuSecond, double CommShare, double WaitShare);

    private static Result RunRanks(int ranks)
    {
        var start = new ProcessStartInfo("mpirun") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in $"--allow-run-as-root --oversubscribe --bind-to none -np {ranks} dotnet {WorkerPath()} {Model}".Split(' '))
        {
            start.ArgumentList.Add(a);
        }
        start.Environment["OMPI_MCA_btl_vader_single_copy_mechanism"] = "none";
        start.Environment["ENGINE_THREADS"] = "1";
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
        return new Result(Get("images_per_s"), Get("images_per_cpu_s"), Get("comm_share"), Get("wait_share"));
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
