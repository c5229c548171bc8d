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
    protected static Blob BlobOf(Backend backend, int[] shape, ReadOnlySpan<float> values, string name = "x")
    {
        var blob = new Blob(shape, name, backend);
        values.CopyTo(blob.MutableData);
        return blob;
    }

    /// <summary>Seeded uniform values in [min, max).</summary>
    protected static float[] Uniform(int count, ulong seed, float min = -1f, float max = 1f)
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
    protected static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double relative, string what)
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
}
