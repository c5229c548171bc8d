using Engine.Backends.OpenCL;
using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.OpenCL;

/// <summary>
/// CPU/OpenCL parity of the Neuron, Loss and Common layers' device code: tops, bottom gradients and parameter
/// gradients agree element-wise within relative 1e-4 (bottom diffs start as garbage, so a kernel that leaves an
/// element unwritten fails). Plus checks that a device forward+backward moves no blob data to the host.
/// </summary>
public class NeuronLossCommonParityTests : LayerParityTestBase
{
    private static FillerParameter UniformFiller(float min, float max) => new() { Type = "uniform", Min = min, Max = max };

    private static void Parity(LayerParameter def, int[][] bottomShapes, (int Index, int Classes)? labels = null, bool[]? propagate = null,
        int topCount = 1, float scale = 1f, Action<float[][]>? adjust = null, bool inPlace = false, bool deviceTop = true)
        => Check(def, bottomShapes, labels, propagate, topCount, scale, adjust, dirtyBottomDiffs: true, inPlace: inPlace, deviceTop: deviceTop);

    // ---- Neuron ----

    [TestCase(false)]
    [TestCase(true)]
    public void AbsVal(bool inPlace) => Parity(Def("AbsVal"), [[3, 20]], inPlace: inPlace);

    [Test]
    public void BNLL() => Parity(Def("BNLL"), [[3, 20]], scale: 4f);

    [TestCase(false)]
    [TestCase(true)]
    public void Clip(bool inPlace) => Parity(Def("Clip", p => p.ClipParam = new ClipParameter { Min = -0.3f, Max = 0.5f }), [[3, 20]], inPlace: inPlace);

    [TestCase(1f, false)]
    [TestCase(0.4f, true)]
    public void ELU(float alpha, bool inPlace) => Parity(Def("ELU", p => p.EluParam = new ELUParameter { Alpha = alpha }), [[3, 20]], scale: 2f, inPlace: inPlace);

    [TestCase(-1f, 0.7f, 0.2f, false)]
    [TestCase(2f, -0.5f, 1f, true)]
    public void Exp(float @base, float scale, float shift, bool inPlace) => Parity(
        Def("Exp", p => p.ExpParam = new ExpParameter { Base = @base, Scale = scale, Shift = shift }), [[3, 20]], scale: 2f, inPlace: inPlace);

    // Both GELU forms pass at the common 1e-4: erf/tanh/exp in single precision on the device against the CPU's double path
    // differ by a few ulp, far below it.
    [TestCase(false, false)]
    [TestCase(true, true)]
    public void GELU(bool approximateTanh, bool inPlace) => Parity(
        Def("GELU", p => p.GeluParam = new GELUParameter { ApproximateTanh = approximateTanh }), [[3, 40]], scale: 4f, inPlace: inPlace);

    // shift + scale·x stays in [1, 2] so the log is finite.
    [TestCase(-1f, false)]
    [TestCase(2f, true)]
    public void Log(float @base, bool inPlace) => Parity(
        Def("Log", p => p.LogParam = new LogParameter { Base = @base, Scale = 0.5f, Shift = 1.5f }), [[3, 20]], inPlace: inPlace);

    [TestCase(1, 3)]
    [TestCase(4, 2)]
    public void Maxout(int outputs, int pieces) => Parity(
        Def("Maxout", p => p.MaxoutParam = new MaxoutParameter
        {
            NumOutput = (uint)outputs, NumPieces = (uint)pieces, WeightFiller = Gaussian, BiasFiller = UniformFiller(-1f, 1f),
        }),
        [[5, 3, 2]]);

    [TestCase(false, false)]
    [TestCase(true, false)]
    [TestCase(false, true)]
    public void PReLU(bool shared, bool inPlace) => Parity(
        Def("PReLU", p => p.PreluParam = new PReLUParameter { ChannelShared = shared, Filler = UniformFiller(0.1f, 0.6f) }),
        [[2, 3, 4, 5]], inPlace: inPlace);

    // (shift + scale·x) stays positive where the power is fractional.
    [TestCase(2.5f, 0.5f, 2f, false)]
    [TestCase(2f, -1f, 0.3f, true)]
    [TestCase(1f, 3f, -1f, false)]
    [TestCase(0f, 2f, 1f, false)]
    [TestCase(3f, 0f, 1.5f, false)]
    public void Power(float power, float scale, float shift, bool inPlace) => Parity(
        Def("Power", p => p.PowerParam = new PowerParameter { Power = power, Scale = scale, Shift = shift }), [[3, 20]], inPlace: inPlace);

    [TestCase(1f, false)]
    [TestCase(1.7f, true)]
    public void Swish(float beta, bool inPlace) => Parity(Def("Swish", p => p.SwishParam = new SwishParameter { Beta = beta }), [[3, 20]], scale: 3f, inPlace: inPlace);

    [Test]
    public void Threshold() => Parity(Def("Threshold", p => p.ThresholdParam = new ThresholdParameter { Threshold = 0.2f }), [[3, 20]], propagate: [false]);

    // ---- Loss ----

    [Test]
    public void L1Loss() => Parity(Def("L1Loss"), [[4, 6], [4, 6]], propagate: [true, true]);

    [TestCase(HingeLossParameter.Types.Norm.L1)]
    [TestCase(HingeLossParameter.Types.Norm.L2)]
    public void HingeLoss(HingeLossParameter.Types.Norm norm) => Parity(
        Def("HingeLoss", p => p.HingeLossParam = new HingeLossParameter { Norm = norm }), [[5, 4], [5]], labels: (1, 4), scale: 2f);

    [TestCase(HingeLossParameter.Types.Norm.L1)]
    [TestCase(HingeLossParameter.Types.Norm.L2)]
    public void MulticlassHingeLoss(HingeLossParameter.Types.Norm norm) => Parity(
        Def("MulticlassHingeLoss", p => p.HingeLossParam = new HingeLossParameter { Norm = norm }), [[5, 4], [5]], labels: (1, 4));

    // Probabilities in [0.05, 1).
    [Test]
    public void MultinomialLogisticLoss() => Parity(
        Def("MultinomialLogisticLoss"), [[5, 4], [5]], labels: (1, 4),
        adjust: v => v[0] = v[0].Select(x => 0.05f + 0.95f * Math.Abs(x)).ToArray());

    // Targets in [0, 1] without ignore; 0/1 with some set to the ignore label -1 otherwise.
    [TestCase(LossParameter.Types.NormalizationMode.BatchSize, false)]
    [TestCase(LossParameter.Types.NormalizationMode.Valid, true)]
    [TestCase(LossParameter.Types.NormalizationMode.Full, true)]
    [TestCase(LossParameter.Types.NormalizationMode.None, false)]
    public void SigmoidCrossEntropyLoss(LossParameter.Types.NormalizationMode mode, bool ignore) => Parity(
        Def("SigmoidCrossEntropyLoss", p =>
        {
            p.LossParam = new LossParameter { Normalization = mode };
            if (ignore)
            {
                p.LossParam.IgnoreLabel = -1;
            }
        }),
        [[4, 6], [4, 6]],
        scale: 4f,
        propagate: [true, false],
        adjust: v => v[1] = ignore
            ? v[1].Select((x, i) => i % 5 == 0 ? -1f : x > 0 ? 1f : 0f).ToArray()
            : v[1].Select(x => (x + 1f) / 2f).ToArray());

    [TestCase(false, 1f)]
    [TestCase(true, 1f)]
    [TestCase(false, 3f)]
    public void ContrastiveLoss(bool legacy, float margin) => Parity(
        Def("ContrastiveLoss", p => p.ContrastiveLossParam = new ContrastiveLossParameter { LegacyVersion = legacy, Margin = margin }),
        [[6, 5], [6, 5], [6]], labels: (2, 2), scale: 0.5f, propagate: [true, true, false]);

    // H is non-negative, as an information-gain matrix is.
    [TestCase(LossParameter.Types.NormalizationMode.Valid, true, 1)]
    [TestCase(LossParameter.Types.NormalizationMode.BatchSize, false, 2)]
    public void InfogainLoss(LossParameter.Types.NormalizationMode mode, bool ignore, int tops) => Parity(
        Def("InfogainLoss", p =>
        {
            p.LossParam = new LossParameter { Normalization = mode };
            if (ignore)
            {
                p.LossParam.IgnoreLabel = 2;
            }
        }),
        [[4, 5, 3], [4, 1, 3], [5, 5]], labels: (1, 5), scale: 3f, propagate: [true, false, false], topCount: tops,
        adjust: v => v[2] = v[2].Select(Math.Abs).ToArray());

    // ---- Common ----

    [TestCase(1, 1, false)]
    [TestCase(2, 2, true)]
    public void Accuracy(int topK, int tops, bool ignore) => Parity(
        Def("Accuracy", p =>
        {
            p.AccuracyParam = new AccuracyParameter { TopK = (uint)topK };
            if (ignore)
            {
                p.AccuracyParam.IgnoreLabel = 1;
            }
        }),
        [[2, 5, 3], [2, 3]], labels: (1, 5), propagate: [false, false], topCount: tops);

    [TestCase(1, false, false)]
    [TestCase(3, true, false)]
    [TestCase(2, false, true)]
    [TestCase(2, true, true)]
    public void ArgMax(int topK, bool outMaxVal, bool axis) => Parity(
        Def("ArgMax", p =>
        {
            p.ArgmaxParam = new ArgMaxParameter { TopK = (uint)topK, OutMaxVal = outMaxVal };
            if (axis)
            {
                p.ArgmaxParam.Axis = 1;
            }
        }),
        [[3, 6, 2]], propagate: [false]);

    [TestCase(false)]
    [TestCase(true)]
    public void BiasLearned(bool inPlace) => Parity(
        Def("Bias", p => p.BiasParam = new BiasParameter { Axis = 1, NumAxes = 1, Filler = UniformFiller(-1f, 1f) }), [[2, 3, 4]], inPlace: inPlace);

    [Test]
    public void BiasFromBottom() => Parity(Def("Bias"), [[2, 3, 4], [3, 4]], propagate: [true, true]);

    [TestCase(true, false)]
    [TestCase(false, true)]
    public void ScaleLearned(bool bias, bool inPlace) => Parity(
        Def("Scale", p => p.ScaleParam = new ScaleParameter { Axis = 1, NumAxes = 1, Filler = UniformFiller(-2f, 2f), BiasTerm = bias, BiasFiller = UniformFiller(-1f, 1f) }),
        [[2, 3, 4]], inPlace: inPlace);

    [Test]
    public void ScaleFromBottom() => Parity(Def("Scale", p => p.ScaleParam = new ScaleParameter { BiasTerm = true, BiasFiller = UniformFiller(-1f, 1f) }),
        [[2, 3, 4], [3, 4]], propagate: [true, true]);

    [TestCase(1)]
    [TestCase(0)]
    public void Concat(int axis) => Parity(
        Def("Concat", p => p.ConcatParam = new ConcatParameter { Axis = axis }),
        axis == 1 ? [[2, 3, 4], [2, 5, 4], [2, 1, 4]] : [[2, 3, 4], [1, 3, 4]]);

    [TestCase(Phase.Train, false)]
    [TestCase(Phase.Train, true)]
    [TestCase(Phase.Test, false)]
    public void Dropout(Phase phase, bool inPlace) => Parity(
        Def("Dropout", p =>
        {
            p.DropoutParam = new DropoutParameter { DropoutRatio = 0.3f };
            p.Phase = phase;
        }),
        [[4, 25]], inPlace: inPlace);

    [TestCase(true)]
    [TestCase(false)]
    public void Embed(bool bias) => Parity(
        Def("Embed", p => p.EmbedParam = new EmbedParameter { InputDim = 7, NumOutput = 5, BiasTerm = bias, WeightFiller = Gaussian, BiasFiller = UniformFiller(-1f, 1f) }),
        [[3, 4]], labels: (0, 7), propagate: [false]);

    [Test]
    public void Flatten() => Parity(Def("Flatten"), [[2, 3, 4]], deviceTop: false);

    [Test]
    public void Parameter() => Parity(
        Def("Parameter", p => p.ParameterParam = new ParameterParameter { Shape = new BlobShape { Dim = { 3, 4 } } }), [], deviceTop: false);

    [TestCase(ReductionParameter.Types.ReductionOp.Sum, 0)]
    [TestCase(ReductionParameter.Types.ReductionOp.Asum, 1)]
    [TestCase(ReductionParameter.Types.ReductionOp.Sumsq, 2)]
    [TestCase(ReductionParameter.Types.ReductionOp.Mean, 1)]
    public void Reduction(ReductionParameter.Types.ReductionOp op, int axis) => Parity(
        Def("Reduction", p => p.ReductionParam = new ReductionParameter { Operation = op, Axis = axis, Coeff = 0.7f }), [[3, 4, 5]]);

    [Test]
    public void Reshape() => Parity(
        Def("Reshape", p => p.ReshapeParam = new ReshapeParameter { Shape = new BlobShape { Dim = { 0, -1 } } }), [[2, 3, 4]], deviceTop: false);

    [Test]
    public void Silence() => Parity(Def("Silence"), [[3, 4], [5]], topCount: 0, deviceTop: false);

    [Test]
    public void Slice() => Parity(
        Def("Slice", p => p.SliceParam = new SliceParameter { Axis = 1, SlicePoint = { 2, 5 } }), [[2, 7, 3]], topCount: 3);

    [TestCase(1, 3)]
    [TestCase(0, 2)]
    public void Tile(int axis, int tiles) => Parity(
        Def("Tile", p => p.TileParam = new TileParameter { Axis = axis, Tiles = tiles }), [[2, 3, 4]]);

    // ---- Data stays on the device ----

    private static IEnumerable<TestCaseData> Representative()
    {
        yield return new TestCaseData(Def("ELU"), new[] { new[] { 3, 8 } }, true, null).SetName("StaysOnDevice_ELU_InPlace");
        yield return new TestCaseData(
            Def("PReLU", p => p.PreluParam = new PReLUParameter { Filler = UniformFiller(0.1f, 0.6f) }), new[] { new[] { 2, 3, 4 } }, false, null)
            .SetName("StaysOnDevice_PReLU");
        yield return new TestCaseData(
            Def("Scale", p => p.ScaleParam = new ScaleParameter { BiasTerm = true }), new[] { new[] { 2, 3, 4 } }, true, null).SetName("StaysOnDevice_Scale_InPlace");
        yield return new TestCaseData(Def("Concat"), new[] { new[] { 2, 3 }, new[] { 2, 4 } }, false, null).SetName("StaysOnDevice_Concat");
        yield return new TestCaseData(Def("Dropout"), new[] { new[] { 4, 8 } }, false, null).SetName("StaysOnDevice_Dropout");
        yield return new TestCaseData(
            Def("SigmoidCrossEntropyLoss"), new[] { new[] { 4, 3 }, new[] { 4, 3 } }, false, 1).SetName("StaysOnDevice_SigmoidCrossEntropyLoss");
        yield return new TestCaseData(Def("HingeLoss"), new[] { new[] { 4, 3 }, new[] { 4 } }, false, 1).SetName("StaysOnDevice_HingeLoss");
    }

    /// <summary>
    /// After a warm-up pass (kernel builds, first uploads), a second forward+backward transfers nothing to the host,
    /// except a loss layer's scalar top, which <see cref="Layer.Forward"/> reads to return the loss.
    /// </summary>
    [TestCaseSource(nameof(Representative))]
    public void ForwardBackwardMovesNoBlobDataToTheHost(LayerParameter def, int[][] shapes, bool inPlace, int? labelBottom)
    {
        OpenCLBackend cl = Cl;
        Blob[] bottoms = shapes.Select((s, i) => BlobOf(cl, s, i == labelBottom
            ? Enumerable.Range(0, s.Aggregate(1, (a, b) => a * b)).Select(k => (float)(k % 2)).ToArray()
            : Uniform(s.Aggregate(1, (a, b) => a * b), 60 + (ulong)i), "b" + i)).ToArray();
        Blob[] tops = [inPlace ? bottoms[0] : new Blob("t0", cl)];
        using Layer layer = TestData.Registry.Create(def.Clone());
        layer.Backend = cl;
        layer.Random = new EngineRandom(3);
        layer.SetUp(bottoms, tops);
        bool[] propagate = bottoms.Select((_, i) => i != labelBottom).ToArray();
        bool isLoss = layer.LossWeight(0) != 0f;

        for (int pass = 0; pass < 2; pass++)
        {
            long[] before = Counters(bottoms, tops, layer);
            layer.Forward(bottoms, tops);
            if (isLoss)
            {
                tops[0].MutableDiff[0] = 1f;
            }
            else
            {
                // Seed the top gradient on the device, as the layer above would.
                cl.DeviceMath.Set(tops[0].Count, 0.5f, tops[0].MutableDeviceDiff(), 0);
            }
            layer.Backward(tops, propagate, bottoms);
            cl.Finish();
            long[] after = Counters(bottoms, tops, layer);
            if (pass == 1)
            {
                // Index 0 is the top's data, which a loss layer's Forward reads (one scalar).
                Assert.That(after[0] - before[0], Is.EqualTo(isLoss ? 1 : 0), $"{def.Type}: top data transfers to the host");
                Assert.That(after.Skip(1).ToArray(), Is.EqualTo(before.Skip(1).ToArray()), $"{def.Type}: other blob transfers to the host (top diff, bottoms, params)");
            }
        }
        Assert.That(tops[0].Data.ToArray().All(float.IsFinite), Is.True, "the device results are finite");
    }

    private static long[] Counters(Blob[] bottoms, Blob[] tops, Layer layer)
        => tops.Concat(bottoms).Concat(layer.Blobs)
            .SelectMany(b => new[] { b.DataMemory.TransfersToHost, b.DiffMemory.TransfersToHost })
            .ToArray();
}
