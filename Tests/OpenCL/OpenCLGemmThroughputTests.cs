using System.Diagnostics;
using Engine.Backends.OpenCL;
using NUnit.Framework;

namespace Engine.Tests.OpenCL;

/// <summary>
/// SGEMM throughput of the tiled kernel next to the CPU backend (explicit: timing on a shared machine is not a unit test).
/// The floor is the anchors' naive one-work-item-per-element kernel on PoCL (1.9 GFLOPS): the device's default kernel must beat it.
/// </summary>
[Explicit("timing")]
public class OpenCLGemmThroughputTests : OpenCLTestBase
{
    [TestCase(512)]
    [TestCase(1024)]
    public void TiledKernel_BeatsTheNaiveKernel(int n)
    {
        float[] a = Uniform(n * n, 1), b = Uniform(n * n, 2), c = new float[n * n];
        using OpenCLBuffer da = Cl.Pool.Rent((long)n * n), db = Cl.Pool.Rent((long)n * n), dc = Cl.Pool.Rent((long)n * n);
        da.CopyFromHost(a);
        db.CopyFromHost(b);
        OpenCLGemmKernel original = Cl.DeviceMath.GemmKernel;
        var device = new Dictionary<OpenCLGemmKernel, double>();
        try
        {
            foreach (OpenCLGemmKernel kernel in Enum.GetValues<OpenCLGemmKernel>())
            {
                Cl.DeviceMath.GemmKernel = kernel;
                device[kernel] = Gflops(n, () =>
                {
                    Cl.DeviceMath.Gemm(false, false, n, n, n, 1f, da, 0, db, 0, 0f, dc, 0);
                    Cl.Finish();
                });
            }
        }
        finally
        {
            Cl.DeviceMath.GemmKernel = original;
        }
        double cpu = Gflops(n, () => Backend.Cpu.Math.Gemm(false, false, n, n, n, 1f, a, b, 0f, c));
        TestContext.Out.WriteLine($"n={n} on {Cl.Device.Name}: " + string.Join(", ", device.Select(kv => $"OpenCL {kv.Key} {kv.Value:F1} GFLOPS")) +
            $", CPU backend {cpu:F1} GFLOPS (default kernel here: {original})");
        Assert.That(device[original], Is.GreaterThan(1.9));
    }

    private static double Gflops(int n, Action run)
    {
        run();
        var samples = new List<double>();
        for (int round = 0; round < 5; round++)
        {
            int runs = 0;
            var watch = Stopwatch.StartNew();
            do
            {
                run();
                runs++;
            } while (watch.Elapsed.TotalSeconds < 0.5);
            samples.Add(2.0 * n * n * n * runs / watch.Elapsed.TotalSeconds / 1e9);
        }
        samples.Sort();
        return samples[samples.Count / 2];
    }
}
