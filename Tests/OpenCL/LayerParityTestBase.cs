using Engine.Backends.OpenCL;
using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.OpenCL;

/// <summary>
/// Runs a layer forward and backward on the CPU and on OpenCL from the same inputs, weights and top gradients, and
/// compares tops, bottom gradients and parameter gradients element-wise.
/// </summary>
public abstract class LayerParityTestBase : OpenCLTestBase
{
    /// <summary>Relative tolerance of the comparisons (see <see cref="OpenCLTestBase.AssertClose"/>).</summary>
    protected const double Tolerance = 1e-4;

    /// <summary>A layer definition in the train phase, named after its type.</summary>
    protected static LayerParameter Def(string type, Action<LayerParameter>? configure = null)
    {
        var p = new LayerParameter { Name = type.ToLowerInvariant(), Type = type, Phase = Phase.Train };
        configure?.Invoke(p);
        return p;
    }

    /// <summary>A gaussian filler of standard deviation 1.</summary>
    protected static FillerParameter Gaussian => new() { Type = "gaussian", Std = 1f };

    /// <summary>
    /// Runs the layer on both backends and compares. <paramref name="labels"/> = (bottom index, classes) makes that
    /// bottom integer labels; <paramref name="adjust"/> may then rewrite any bottom's values. Loss layers get a loss
    /// weight of 1.7 as their top gradient. <paramref name="dirtyBottomDiffs"/> fills bottom diffs with garbage
    /// first (they must be overwritten). <paramref name="inPlace"/> makes top 0 the bottom 0 blob.
    /// <paramref name="deviceTop"/> false skips the check that top 0 was produced on the device (layers that share data).
    /// </summary>
    protected static void Check(LayerParameter def, int[][] bottomShapes, (int Index, int Classes)? labels = null, bool[]? propagate = null,
        int topCount = 1, float scale = 1f, Action<float[][]>? adjust = null, bool dirtyBottomDiffs = false, bool inPlace = false,
        bool deviceTop = true, double tolerance = Tolerance)
    {
        float[][] bottomValues = new float[bottomShapes.Length][];
        for (int i = 0; i < bottomShapes.Length; i++)
        {
            int count = bottomShapes[i].Aggregate(1, (a, b) => a * b);
            if (labels is { } l && l.Index == i)
            {
                var rng = new EngineRandom(100);
                bottomValues[i] = Enumerable.Range(0, count).Select(_ => (float)rng.NextInt(l.Classes)).ToArray();
            }
            else
            {
                bottomValues[i] = Uniform(count, 50 + (ulong)i, -scale, scale);
            }
        }
        adjust?.Invoke(bottomValues);
        propagate ??= bottomShapes.Select((_, i) => labels is not { } l || l.Index != i).ToArray();

        var options = new RunOptions(topCount, dirtyBottomDiffs, inPlace, deviceTop);
        var cpu = Run(Backend.Cpu, def, bottomShapes, bottomValues, propagate, options);
        var device = Run(Cl, def, bottomShapes, bottomValues, propagate, options);

        for (int t = 0; t < topCount; t++)
        {
            AssertClose(cpu.Tops[t], device.Tops[t], tolerance, $"{def.Type} top {t}");
        }
        for (int i = 0; i < bottomShapes.Length; i++)
        {
            if (propagate[i])
            {
                AssertClose(cpu.BottomDiffs[i], device.BottomDiffs[i], tolerance, $"{def.Type} bottom {i} diff");
            }
        }
        Assert.That(device.ParamDiffs, Has.Length.EqualTo(cpu.ParamDiffs.Length));
        for (int k = 0; k < cpu.ParamDiffs.Length; k++)
        {
            AssertClose(cpu.ParamDiffs[k], device.ParamDiffs[k], tolerance, $"{def.Type} param {k} diff");
        }
    }

    private sealed record RunOptions(int TopCount, bool DirtyBottomDiffs, bool InPlace, bool DeviceTop);

    private sealed record Outcome(float[][] Tops, float[][] BottomDiffs, float[][] ParamDiffs);

    private static Outcome Run(Backend backend, LayerParameter def, int[][] shapes, float[][] values, bool[] propagate, RunOptions options)
    {
        int topCount = options.TopCount;
        Blob[] bottoms = shapes.Select((s, i) => BlobOf(backend, s, values[i], "b" + i)).ToArray();
        Blob[] tops = Enumerable.Range(0, topCount).Select(i => options.InPlace && i == 0 ? bottoms[0] : new Blob("t" + i, backend)).ToArray();
        Layer layer = TestData.Registry.Create(def.Clone());
        layer.Backend = backend;
        layer.Random = new EngineRandom(7);
        layer.SetUp(bottoms, tops);
        if (options.DirtyBottomDiffs)
        {
            foreach (Blob b in bottoms)
            {
                b.MutableDiff.Fill(123.25f);
            }
        }
        layer.Forward(bottoms, tops);
        float[][] topValues = tops.Select(t => t.Data.ToArray()).ToArray();

        for (int t = 0; t < topCount; t++)
        {
            if (layer.LossWeight(t) != 0f)
            {
                tops[t].MutableDiff[0] = 1.7f;
            }
            else
            {
                Uniform(tops[t].Count, 80 + (ulong)t).CopyTo(tops[t].MutableDiff);
            }
        }
        layer.Backward(tops, propagate, bottoms);
        float[][] bottomDiffs = bottoms.Select(b => b.Diff.ToArray()).ToArray();
        float[][] paramDiffs = layer.Blobs.Select(b => b.Diff.ToArray()).ToArray();
        if (backend is OpenCLBackend && options.DeviceTop && topCount > 0 && !options.InPlace)
        {
            Assert.That(tops[0].DataMemory.TransfersToHost, Is.GreaterThan(0), "the device path must have produced the top on the device");
        }
        layer.Dispose();
        return new Outcome(topValues, bottomDiffs, paramDiffs);
    }
}
