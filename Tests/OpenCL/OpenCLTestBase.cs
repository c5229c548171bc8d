using Engine.Backends.OpenCL;
using NUnit.Framework;

namespace Engine.Tests.OpenCL;

/// <summary>Base of OpenCL tests: inconclusive (not passed) on machines without an OpenCL platform.</summary>
[Category("OpenCL")]
public abstract class OpenCLTestBase
{
    /// <summary>The backend of device 0.</summary>
    protected static OpenCLBackend Cl => OpenCLBackend.Open(0);

    [OneTimeSetUp]
    public void RequireOpenCL()
    {
        if (OpenCLPlatform.Availability is { } problem)
        {
            Assert.Inconclusive($"no OpenCL platform: {problem}");
        }
    }

    /// <summary>A blob on <paramref name="backend"/> holding <paramref name="values"/>.</summary>
    protected internal static Blob BlobOf(Backend backend, int[] shape, ReadOnlySpan<float> values, string name = "x")
    {
        var blob = new Blob(shape, name, backend);
        values.CopyTo(blob.MutableData);
        return blob;
    }

    /// <summary>Seeded uniform values in [min, max).</summary>
    protected internal static float[] Uniform(int count, ulong seed, float min = -1f, float max = 1f)
    {
        var rng = new EngineRandom(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = rng.NextFloat(min, max);
        }
        return values;
    }

    /// <summary>
    /// Element-wise comparison with relative tolerance <paramref name="relative"/>. The scale of each element is at
    /// least the RMS of the expected array: sums evaluated in a different order differ relative to their terms'
    /// magnitude, not to a result that happens to cancel to near zero.
    /// </summary>
    protected internal static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double relative, string what)
    {
        Assert.That(actual.Length, Is.EqualTo(expected.Length), what + ": length");
        double sumSquares = 0;
        foreach (float e in expected)
        {
            sumSquares += (double)e * e;
        }
        double rms = Math.Sqrt(sumSquares / Math.Max(1, expected.Length));
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = relative * Math.Max(Math.Abs(expected[i]), Math.Max(rms, 1e-6));
            if (!(Math.Abs(actual[i] - expected[i]) <= tolerance))
            {
                Assert.Fail($"{what}[{i}]: expected {expected[i]}, got {actual[i]} (tolerance {tolerance:G3})");
            }
        }
    }

    /// <summary>
    /// One plain SGD step on the net's own backend with the inputs already filled: parameter diffs cleared on the
    /// side that will write them, forward/backward, data −= lr·diff. Returns the loss.
    /// </summary>
    protected static float SgdStep(Engine.Net net, float lr)
    {
        foreach (Blob p in net.LearnableParams)
        {
            if (net.Backend is OpenCLBackend)
            {
                p.MutableDeviceDiff().Clear(p.Count);
            }
            else
            {
                p.MutableDiff.Clear();
            }
        }
        float loss = net.ForwardBackward();
        foreach (Blob p in net.LearnableParams)
        {
            if (net.Backend is OpenCLBackend cl)
            {
                cl.DeviceMath.Axpy(p.Count, -lr, p.DeviceDiff(), 0, p.MutableDeviceData(), 0);
            }
            else
            {
                Backend.Cpu.Math.Axpy(-lr, p.Diff, p.MutableData);
            }
        }
        return loss;
    }
}
