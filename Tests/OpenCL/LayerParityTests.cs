using Engine.Backends.OpenCL;
using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.OpenCL;

/// <summary>
/// Every layer with device code runs forward and backward on the CPU and on OpenCL from the same inputs, weights and
/// top gradients; tops, bottom gradients and parameter gradients must agree element-wise (relative 1e-4).
/// </summary>
public class LayerParityTests : OpenCLTestBase
{
    private const double Tolerance = 1e-4;

    private static LayerParameter Def(string type, Action<LayerParameter>? configure = null)
    {
        var p = new LayerParameter { Name = type.ToLowerInvariant(), Type = type, Phase = Phase.Train };
        configure?.Invoke(p);
        return p;
    }

    private static FillerParameter Gaussian => new() { Type = "gaussian", Std = 1f };

    [TestCase(false, true)]
    [TestCase(true, true)]
    [TestCase(false, false)]
    public void InnerProduct(bool transpose, bool bias) => Check(
        Def("InnerProduct", p => p.InnerProductParam = new InnerProductParameter
        {
            NumOutput = 7, Transpose = transpose, BiasTerm = bias, WeightFiller = Gaussian,
            BiasFiller = new FillerParameter { Type = "uniform", Min = -1f, Max = 1f },
        }),
        [[5, 3, 4]]);

    [TestCase(0f)]
    [TestCase(0.1f)]
    public void ReLU(float slope) => Check(Def("ReLU", p => p.ReluParam = new ReLUParameter { NegativeSlope = slope }), [[4, 33]]);

    [Test]
    public void Sigmoid() => Check(Def("Sigmoid"), [[3, 50]], scale: 4f);

    [Test]
    public void TanH() => Check(Def("TanH"), [[3, 50]], scale: 3f);

    [TestCase(1)]
    [TestCase(2)]
    public void Softmax(int axis) => Check(Def("Softmax", p => p.SoftmaxParam = new SoftmaxParameter { Axis = axis }), [[3, 5, 4]], scale: 3f);

    [TestCase(LossParameter.Types.NormalizationMode.Valid, false)]
    [TestCase(LossParameter.Types.NormalizationMode.Valid, true)]
    [TestCase(LossParameter.Types.NormalizationMode.Full, true)]
    [TestCase(LossParameter.Types.NormalizationMode.BatchSize, false)]
    public void SoftmaxWithLoss(LossParameter.Types.NormalizationMode mode, bool ignore) => Check(
        Def("SoftmaxWithLoss", p =>
        {
            p.LossParam = new LossParameter { Normalization = mode };
            if (ignore)
            {
                p.LossParam.IgnoreLabel = 2;
            }
        }),
        [[4, 5, 3], [4, 1, 3]],
        labels: (1, 5),
        scale: 3f);

    [Test]
    public void EuclideanLoss() => Check(Def("EuclideanLoss"), [[4, 6], [4, 6]], propagate: [true, true]);

    [Test]
    public void Split() => Check(Def("Split"), [[3, 17]], topCount: 3);

    [Test]
    public void EltwiseSum() => Check(
        Def("Eltwise", p => p.EltwiseParam = new EltwiseParameter { Operation = EltwiseParameter.Types.EltwiseOp.Sum, Coeff = { 0.5f, -2f, 1.5f } }),
        [[2, 9], [2, 9], [2, 9]]);

    [Test]
    public void EltwiseProd() => Check(
        Def("Eltwise", p => p.EltwiseParam = new EltwiseParameter { Operation = EltwiseParameter.Types.EltwiseOp.Prod }),
        [[2, 9], [2, 9], [2, 9]]);

    [Test]
    public void EltwiseMax() => Check(
        Def("Eltwise", p => p.EltwiseParam = new EltwiseParameter { Operation = EltwiseParameter.Types.EltwiseOp.Max }),
        [[2, 9], [2, 9], [2, 9]]);

    [TestCase(3, 1, 1, 1, 1, true)]
    [TestCase(3, 2, 1, 2, 2, true)]
    [TestCase(1, 1, 0, 1, 1, false)]
    public void Convolution(int kernel, int stride, int pad, int dilation, int group, bool bias) => Check(
        Def("Convolution", p => p.ConvolutionParam = new ConvolutionParameter
        {
            NumOutput = 6, KernelSize = { (uint)kernel }, Stride = { (uint)stride }, Pad = { (uint)pad }, Dilation = { (uint)dilation },
            Group = (uint)group, BiasTerm = bias, WeightFiller = Gaussian,
            BiasFiller = new FillerParameter { Type = "uniform", Min = -1f, Max = 1f },
        }),
        [[2, 4, 7, 6]]);

    [TestCase(PoolingParameter.Types.PoolMethod.Max, 3, 2, 0, 1)]
    [TestCase(PoolingParameter.Types.PoolMethod.Max, 2, 2, 1, 2)]
    [TestCase(PoolingParameter.Types.PoolMethod.Ave, 3, 2, 1, 1)]
    public void Pooling(PoolingParameter.Types.PoolMethod method, int kernel, int stride, int pad, int tops) => Check(
        Def("Pooling", p => p.PoolingParam = new PoolingParameter { Pool = method, KernelSize = (uint)kernel, Stride = (uint)stride, Pad = (uint)pad }),
        [[2, 3, 7, 8]],
        topCount: tops);

    /// <summary>
    /// Runs the layer on both backends and compares. <paramref name="labels"/> = (bottom index, classes) makes that
    /// bottom integer labels; loss layers get a loss weight of 1.7 as their top gradient.
    /// </summary>
    private static void Check(LayerParameter def, int[][] bottomShapes, (int Index, int Classes)? labels = null, bool[]? propagate = null,
        int topCount = 1, float scale = 1f)
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
        propagate ??= bottomShapes.Select((_, i) => labels is not { } l || l.Index != i).ToArray();

        var cpu = Run(Backend.Cpu, def, bottomShapes, bottomValues, propagate, topCount);
        var device = Run(Cl, def, bottomShapes, bottomValues, propagate, topCount);

        for (int t = 0; t < topCount; t++)
        {
            AssertClose(cpu.Tops[t], device.Tops[t], Tolerance, $"{def.Type} top {t}");
        }
        for (int i = 0; i < bottomShapes.Length; i++)
        {
            if (propagate[i])
            {
                AssertClose(cpu.BottomDiffs[i], device.BottomDiffs[i], Tolerance, $"{def.Type} bottom {i} diff");
            }
        }
        Assert.That(device.ParamDiffs, Has.Length.EqualTo(cpu.ParamDiffs.Length));
        for (int k = 0; k < cpu.ParamDiffs.Length; k++)
        {
            AssertClose(cpu.ParamDiffs[k], device.ParamDiffs[k], Tolerance, $"{def.Type} param {k} diff");
        }
    }

    private sealed record Outcome(float[][] Tops, float[][] BottomDiffs, float[][] ParamDiffs);

    private static Outcome Run(Backend backend, LayerParameter def, int[][] shapes, float[][] values, bool[] propagate, int topCount)
    {
        Blob[] bottoms = shapes.Select((s, i) => BlobOf(backend, s, values[i], "b" + i)).ToArray();
        Blob[] tops = Enumerable.Range(0, topCount).Select(i => new Blob("t" + i, backend)).ToArray();
        Layer layer = TestData.Registry.Create(def.Clone());
        layer.Backend = backend;
        layer.Random = new EngineRandom(7);
        layer.SetUp(bottoms, tops);
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
        if (backend is OpenCLBackend && def.Type != "Split")
        {
            Assert.That(tops[0].DataMemory.TransfersToHost, Is.GreaterThan(0), "the device path must have produced the top on the device");
        }
        layer.Dispose();
        return new Outcome(topValues, bottomDiffs, paramDiffs);
    }
}
