using Engine.Backends.OpenCL;
using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.OpenCL;

/// <summary>
/// Runs one layer on the CPU and on OpenCL from the same inputs, weights and top gradients and compares tops, bottom
/// gradients, parameter gradients and parameter data (statistics updated in forward). Also checks that a device pass
/// moves no blob data to the host. (The approach of LayerParityTests.Check, extended for the vision, normalisation and
/// recurrent layers: fixed bottom values, several forward passes, parameter data.)
/// </summary>
internal static class VisionParity
{
    public sealed class Options
    {
        /// <summary>Fixed values per bottom (null entries get seeded uniform values in [−Scale, Scale)).</summary>
        public float[]?[]? Values { get; init; }

        /// <summary>Which bottoms get a gradient (default: all).</summary>
        public bool[]? Propagate { get; init; }

        public int TopCount { get; init; } = 1;

        public float Scale { get; init; } = 1f;

        /// <summary>Forward passes before the backward (statistics and carried states accumulate).</summary>
        public int Passes { get; init; } = 1;

        public double Tolerance { get; init; } = 1e-4;

        /// <summary>The layer has no device code for this case: its top must come from the host path.</summary>
        public bool ExpectHost { get; init; }

        /// <summary>Runs after setup on both backends (e.g. to give BatchNorm stored statistics).</summary>
        public Action<Layer>? Prepare { get; init; }
    }

    public static LayerParameter Def(string type, Action<LayerParameter>? configure = null, Phase phase = Phase.Train)
    {
        var p = new LayerParameter { Name = type.ToLowerInvariant(), Type = type, Phase = phase };
        configure?.Invoke(p);
        return p;
    }

    public static FillerParameter Gaussian => new() { Type = "gaussian", Std = 1f };

    public static FillerParameter UniformFiller => new() { Type = "uniform", Min = -1f, Max = 1f };

    public static void Check(OpenCLBackend cl, LayerParameter def, int[][] shapes, Options? options = null)
    {
        options ??= new Options();
        float[][] values = BottomValues(shapes, options);
        bool[] propagate = options.Propagate ?? shapes.Select(_ => true).ToArray();
        Outcome cpu = Run(Backend.Cpu, def, shapes, values, propagate, options);
        Outcome device = Run(cl, def, shapes, values, propagate, options);
        double tol = options.Tolerance;
        for (int t = 0; t < options.TopCount; t++)
        {
            OpenCLTestBase.AssertClose(cpu.Tops[t], device.Tops[t], tol, $"{def.Type} top {t}");
        }
        for (int i = 0; i < shapes.Length; i++)
        {
            if (propagate[i])
            {
                OpenCLTestBase.AssertClose(cpu.BottomDiffs[i], device.BottomDiffs[i], tol, $"{def.Type} bottom {i} diff");
            }
        }
        Assert.That(device.ParamDiffs, Has.Length.EqualTo(cpu.ParamDiffs.Length));
        for (int k = 0; k < cpu.ParamDiffs.Length; k++)
        {
            OpenCLTestBase.AssertClose(cpu.ParamDiffs[k], device.ParamDiffs[k], tol, $"{def.Type} param {k} diff");
            OpenCLTestBase.AssertClose(cpu.ParamData[k], device.ParamData[k], tol, $"{def.Type} param {k} data");
        }
    }

    /// <summary>
    /// After a warm-up pass, makes every bottom, top gradient and parameter newest on the device, then runs forward and
    /// backward again: no blob the test can see may have been copied to the host (a host fallback would read them), and
    /// the pass may neither allocate managed memory nor create device buffers.
    /// </summary>
    public static void AssertStaysOnDevice(OpenCLBackend cl, LayerParameter def, int[][] shapes, Options? options = null)
    {
        options ??= new Options();
        float[][] values = BottomValues(shapes, options);
        bool[] propagate = options.Propagate ?? shapes.Select(_ => true).ToArray();
        Blob[] bottoms = shapes.Select((s, i) => OpenCLTestBase.BlobOf(cl, s, values[i], "b" + i)).ToArray();
        Blob[] tops = Enumerable.Range(0, options.TopCount).Select(i => new Blob("t" + i, cl)).ToArray();
        using Layer layer = Create(cl, def);
        layer.SetUp(bottoms, tops);
        options.Prepare?.Invoke(layer);
        layer.Forward(bottoms, tops);
        foreach (Blob t in tops)
        {
            OpenCLTestBase.Uniform(t.Count, 80).CopyTo(t.MutableDiff);
        }
        layer.Backward(tops, propagate, bottoms);

        // Scaling by 1 on the device leaves the values and makes the device copy the only newest one.
        foreach (Blob b in bottoms.Concat(layer.Blobs))
        {
            cl.DeviceMath.Scale(b.Count, 1f, b.DeviceData(), 0, b.MutableDeviceData(), 0);
        }
        foreach (Blob t in tops)
        {
            cl.DeviceMath.Scale(t.Count, 1f, t.DeviceDiff(), 0, t.MutableDeviceDiff(), 0);
        }
        Blob[] all = bottoms.Concat(tops).Concat(layer.Blobs).ToArray();
        long[] before = all.Select(b => b.DataMemory.TransfersToHost + b.DiffMemory.TransfersToHost).ToArray();
        long buffers = cl.Pool.BuffersCreated;
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        layer.Forward(bottoms, tops);
        layer.Backward(tops, propagate, bottoms);
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        cl.Finish();
        Assert.That(allocated, Is.Zero, $"{def.Type}: a steady-state device pass allocated managed memory");
        Assert.That(cl.Pool.BuffersCreated, Is.EqualTo(buffers), $"{def.Type}: a steady-state device pass created device buffers");
        for (int i = 0; i < all.Length; i++)
        {
            long moved = all[i].DataMemory.TransfersToHost + all[i].DiffMemory.TransfersToHost - before[i];
            Assert.That(moved, Is.Zero, $"{def.Type}: blob '{all[i].Name}' was copied to the host during a device pass");
        }
        foreach (Blob b in bottoms.Concat(tops))
        {
            b.Dispose();
        }
    }

    private static float[][] BottomValues(int[][] shapes, Options options)
    {
        var values = new float[shapes.Length][];
        for (int i = 0; i < shapes.Length; i++)
        {
            int count = shapes[i].Aggregate(1, (a, b) => a * b);
            values[i] = options.Values?[i] ?? OpenCLTestBase.Uniform(count, 50 + (ulong)i, -options.Scale, options.Scale);
            Assert.That(values[i], Has.Length.EqualTo(count), $"values of bottom {i}");
        }
        return values;
    }

    private sealed record Outcome(float[][] Tops, float[][] BottomDiffs, float[][] ParamDiffs, float[][] ParamData);

    private static Layer Create(Backend backend, LayerParameter def)
    {
        Layer layer = TestData.Registry.Create(def.Clone());
        layer.Backend = backend;
        layer.Random = new EngineRandom(7);
        return layer;
    }

    private static Outcome Run(Backend backend, LayerParameter def, int[][] shapes, float[][] values, bool[] propagate, Options options)
    {
        Blob[] bottoms = shapes.Select((s, i) => OpenCLTestBase.BlobOf(backend, s, values[i], "b" + i)).ToArray();
        Blob[] tops = Enumerable.Range(0, options.TopCount).Select(i => new Blob("t" + i, backend)).ToArray();
        using Layer layer = Create(backend, def);
        layer.SetUp(bottoms, tops);
        options.Prepare?.Invoke(layer);
        for (int p = 0; p < options.Passes; p++)
        {
            layer.Forward(bottoms, tops);
        }
        float[][] topValues = tops.Select(t => t.Data.ToArray()).ToArray();
        for (int t = 0; t < tops.Length; t++)
        {
            OpenCLTestBase.Uniform(tops[t].Count, 80 + (ulong)t).CopyTo(tops[t].MutableDiff);
        }
        // Parameter diffs accumulate: start them from a known non-zero value so that an overwrite shows.
        foreach (Blob b in layer.Blobs)
        {
            b.MutableDiff.Fill(0.25f);
        }
        layer.Backward(tops, propagate, bottoms);
        float[][] bottomDiffs = bottoms.Select(b => b.Diff.ToArray()).ToArray();
        float[][] paramDiffs = layer.Blobs.Select(b => b.Diff.ToArray()).ToArray();
        float[][] paramData = layer.Blobs.Select(b => b.Data.ToArray()).ToArray();
        if (backend is OpenCLBackend)
        {
            Assert.That(tops[0].DataMemory.TransfersToHost, options.ExpectHost ? Is.Zero : Is.GreaterThan(0),
                $"{def.Type}: the top must have been produced on the {(options.ExpectHost ? "host" : "device")}");
        }
        foreach (Blob b in bottoms.Concat(tops))
        {
            b.Dispose();
        }
        return new Outcome(topValues, bottomDiffs, paramDiffs, paramData);
    }
}
