using System.Globalization;
using Engine.Backends.Cpu;

namespace Engine.Benchmarks;

/// <summary>
/// Square SGEMM (C = A·B, float32) in GFLOPS, Engine against numpy/OpenBLAS, on 1 and 2 threads. Each round measures Engine
/// then the reference for every size, so slow drifts of the machine hit both; the table reports medians over rounds.
/// </summary>
internal sealed class GemmComparison : IComparison
{
    private static readonly int[] Sizes = [256, 512, 1024, 2048];
    private static readonly int[] ThreadCounts = [1, 2];

    public string Name => "gemm";

    public string Description => "square SGEMM GFLOPS vs numpy+OpenBLAS, n = 256..2048, 1 and 2 threads";

    public IReadOnlyList<ComparisonRow> Run(BenchmarkSettings settings)
    {
        var rows = new List<ComparisonRow>();
        foreach (int threads in ThreadCounts)
        {
            using var pool = new WorkerPool(threads);
            foreach (int n in Sizes)
            {
                var engine = new List<double>();
                var reference = new List<double>();
                var a = RandomMatrix(n, 1);
                var b = RandomMatrix(n, 2);
                var c = new float[n * n];
                void Call() => Sgemm.Multiply(false, false, n, n, n, 1f, a, n, b, n, 0f, c, n, pool);
                Measurement.SecondsPerRun(Call, 0.3); // JIT tiers, scratch buffers grow, workers start
                bool cpu = settings.CpuTime && threads == 1;
                for (int round = 0; round < settings.Rounds; round++)
                {
                    engine.Add(Gflops(n, Measurement.SecondsPerRun(Call, settings.SecondsPerSample, cpu)));
                    reference.Add(ReferenceGflops(n, threads, settings.SecondsPerSample, cpu));
                }
                var row = new ComparisonRow($"gemm-{n}-{threads}t", Measurement.Median(engine), Measurement.Median(reference),
                    cpu ? "GFLOPS (CPU time)" : "GFLOPS", true);
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{row.Measure}: Engine {string.Join(" ", engine.Select(x => x.ToString("F0", CultureInfo.InvariantCulture)))}; " +
                    $"reference {string.Join(" ", reference.Select(x => x.ToString("F0", CultureInfo.InvariantCulture)))}"));
                rows.Add(row);
            }
        }
        return rows;
    }

    private static double Gflops(int n, double seconds) => 2.0 * n * n * n / seconds / 1e9;

    private static double ReferenceGflops(int n, int threads, double seconds, bool cpuTime)
    {
        string script = string.Create(CultureInfo.InvariantCulture, $"""

import time
clock = time.process_time if {(cpuTime ? "True" : "False")} else time.perf_counter
n = {n}
rng = _np.random.default_rng(0)
a = rng.standard_normal((n, n), dtype=_np.float32)
b = rng.standard_normal((n, n), dtype=_np.float32)
c = _np.empty((n, n), dtype=_np.float32)
t_end = clock() + 0.15
while clock() < t_end: _np.matmul(a, b, out=c)
runs = 0
t0 = clock()
while True:
    _np.matmul(a, b, out=c)
    runs += 1
    t = clock() - t0
    if t >= {seconds}: break
print(t / runs)
""");
        var lines = NumpyReference.Run(script, threads);
        return Gflops(n, double.Parse(lines[^1], CultureInfo.InvariantCulture));
    }

    private static float[] RandomMatrix(int n, int seed)
    {
        var random = new Random(seed);
        var m = new float[n * n];
        for (int i = 0; i < m.Length; i++) m[i] = (float)(random.NextDouble() * 2 - 1);
        return m;
    }
}
