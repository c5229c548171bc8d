using System.Globalization;
using Engine.Backends.Cpu;
using Engine.Backends.OpenCL;
using Engine.Memory;

namespace Engine.Benchmarks;

/// <summary>
/// Square SGEMM in GFLOPS: Engine's tiled OpenCL kernel on device 0 (PoCL on this machine) against Engine's CPU backend
/// on 2 threads, n = 512 and 1024. Operands stay on the device; each timed run ends with clFinish, so the figure is the
/// kernel's throughput and not its enqueue rate. Rows are skipped, with the reason on stderr, when OpenCL is unavailable.
/// </summary>
internal sealed class OpenCLGemmComparison : IComparison
{
    private static readonly int[] Sizes = [512, 1024];

    public string Name => "opencl-gemm";

    public string Description => "square SGEMM GFLOPS, OpenCL (device 0, e.g. PoCL) vs Engine's CPU backend on 2 threads, n = 512, 1024";

    public IReadOnlyList<ComparisonRow> Run(BenchmarkSettings settings)
    {
        if (OpenCLPlatform.Availability is { } problem)
        {
            Console.Error.WriteLine($"opencl-gemm skipped: {problem}");
            return [];
        }
        OpenCLBackend cl = OpenCLBackend.Open(0);
        using var pool = new WorkerPool(2);
        var rows = new List<ComparisonRow>();
        foreach (int n in Sizes)
        {
            float[] a = RandomMatrix(n, 1), b = RandomMatrix(n, 2), c = new float[n * n];
            using OpenCLBuffer da = cl.Pool.Rent((long)n * n), db = cl.Pool.Rent((long)n * n), dc = cl.Pool.Rent((long)n * n);
            da.CopyFromHost(a);
            db.CopyFromHost(b);
            void Device()
            {
                cl.DeviceMath.Gemm(false, false, n, n, n, 1f, da, 0, db, 0, 0f, dc, 0);
                cl.Finish();
            }
            void Cpu() => Sgemm.Multiply(false, false, n, n, n, 1f, a, n, b, n, 0f, c, n, pool);
            Measurement.SecondsPerRun(Device, 0.3); // program build (or cache load) and the first launch
            Measurement.SecondsPerRun(Cpu, 0.3);
            var engine = new List<double>();
            var reference = new List<double>();
            for (int round = 0; round < settings.Rounds; round++)
            {
                engine.Add(Gflops(n, Measurement.SecondsPerRun(Device, settings.SecondsPerSample)));
                reference.Add(Gflops(n, Measurement.SecondsPerRun(Cpu, settings.SecondsPerSample)));
            }
            var row = new ComparisonRow($"opencl-gemm-{n}", Measurement.Median(engine), Measurement.Median(reference), "GFLOPS", true);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{row.Measure} on {cl.Device.Name}: OpenCL {string.Join(" ", engine.Select(x => x.ToString("F1", CultureInfo.InvariantCulture)))}; " +
                $"CPU backend {string.Join(" ", reference.Select(x => x.ToString("F1", CultureInfo.InvariantCulture)))}"));
            rows.Add(row);
        }
        return rows;
    }

    private static double Gflops(int n, double seconds) => 2.0 * n * n * n / seconds / 1e9;

    private static float[] RandomMatrix(int n, int seed)
    {
        var random = new Random(seed);
        var m = new float[n * n];
        for (int i = 0; i < m.Length; i++)
        {
            m[i] = (float)(random.NextDouble() * 2 - 1);
        }
        return m;
    }
}
