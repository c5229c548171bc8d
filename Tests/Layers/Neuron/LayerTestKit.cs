using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.Layers;

/// <summary>Small helpers shared by the neuron and loss layer tests.</summary>
internal static class LayerTestKit
{
    /// <summary>A layer definition of the given type (name = lower-case type), optionally configured.</summary>
    public static LayerParameter Def(string type, Action<LayerParameter>? configure = null)
    {
        var p = new LayerParameter { Name = type.ToLowerInvariant(), Type = type };
        configure?.Invoke(p);
        return p;
    }

    /// <summary>
    /// Moves every value within <paramref name="gap"/> of a kink point to gap beyond it, so that central differences with a
    /// step below the gap never straddle a non-differentiable point.
    /// </summary>
    public static void AwayFrom(Blob blob, float gap, params float[] kinks)
    {
        Span<float> d = blob.MutableData;
        for (int i = 0; i < d.Length; i++)
        {
            foreach (float k in kinks)
            {
                if (MathF.Abs(d[i] - k) < gap)
                {
                    d[i] = k + (d[i] >= k ? gap : -gap);
                }
            }
        }
    }

    /// <summary>Asserts |actual − expected| ≤ rel·|expected| + abs element-wise, naming the first offending index.</summary>
    public static void AssertClose(ReadOnlySpan<float> actual, IReadOnlyList<double> expected, double rel, double abs, string what)
    {
        Assert.That(actual.Length, Is.EqualTo(expected.Count), $"{what}: element count");
        for (int i = 0; i < actual.Length; i++)
        {
            double e = expected[i];
            Assert.That(actual[i], Is.EqualTo(e).Within(rel * Math.Abs(e) + abs), $"{what}[{i}]");
        }
    }

    /// <summary>Sets the top's diff to seeded uniform values in [−1, 1) (the upstream gradient).</summary>
    public static void SeedTopDiff(Blob top, ulong seed)
    {
        var rng = new EngineRandom(seed);
        Span<float> d = top.MutableDiff;
        for (int i = 0; i < d.Length; i++)
        {
            d[i] = rng.NextFloat(-1f, 1f);
        }
    }

    /// <summary>Runs forward then backward (to bottom 0) with a seeded upstream gradient; for loss layers the seed is the loss weight 1.</summary>
    public static void ForwardBackward(Layer layer, Blob[] bottom, Blob[] top, ulong seed)
    {
        layer.Forward(bottom, top);
        if (layer.IsLoss)
        {
            top[0].MutableDiff[0] = 1f;
        }
        else
        {
            SeedTopDiff(top[0], seed);
        }
        var propagate = new bool[bottom.Length];
        propagate[0] = true;
        layer.Backward(top, propagate, bottom);
    }
}
