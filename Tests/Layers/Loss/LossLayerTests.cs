using Engine.Formats;
using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;
using static Engine.Tests.Layers.LayerTestKit;
using Mode = Engine.Proto.LossParameter.Types.NormalizationMode;
using Norm = Engine.Proto.HingeLossParameter.Types.Norm;

namespace Engine.Tests.Layers.Loss;

/// <summary>
/// Loss values against the formulas (evaluated in double here) and numerical gradient checks.
/// Gradient tolerances: step 1e-2, threshold 1e-3 — the losses are scalars of magnitude ≤ ~10 accumulated in double, so
/// float rounding contributes ≲ 1e-4 to a difference quotient; piecewise-linear losses (L1, hinge) have zero truncation
/// error away from their kinks, and the test data keep every kink (a = b, hinge margin 0, contrastive margin) at least
/// 0.05 — five steps — away. Smooth losses (sigmoid/softmax cross-entropy) have truncation error ≲ h²/6·|f'''| ≈ 2e-5.
/// </summary>
public class LossLayerTests
{
    private static double Loss(Layer layer, Blob[] bottom, Blob top)
    {
        layer.Forward(bottom, [top]);
        Assert.That(top.NumAxes, Is.EqualTo(0), "loss top is a scalar of shape []");
        return top.Data[0];
    }

    // ---- L1Loss

    [Test]
    public void L1_ValueAndGradient()
    {
        Blob a = TestData.Uniform([5, 3], 31), b = TestData.Uniform([5, 3], 32), loss = new();
        SeparateFrom(a, b, 0.05f);
        Layer layer = TestData.SetUp(Def("L1Loss"), [a, b], [loss]);
        double expected = 0;
        for (int i = 0; i < a.Count; i++)
        {
            expected += Math.Abs((double)a.Data[i] - b.Data[i]);
        }
        Assert.That(Loss(layer, [a, b], loss), Is.EqualTo(expected / 5).Within(1e-6));
        new GradientChecker(1e-2, 1e-3).Check(layer, [a, b], [loss]);
    }

    [Test]
    public void L1_SubgradientIsZeroWhereEqual()
    {
        Blob a = TestData.Of([2, 2], 1f, 2f, 3f, 4f), b = TestData.Of([2, 2], 0f, 2f, 5f, 4f), loss = new();
        Layer layer = TestData.SetUp(Def("L1Loss"), [a, b], [loss]);
        Assert.That(Loss(layer, [a, b], loss), Is.EqualTo(1.5f));
        loss.MutableDiff[0] = 1f;
        layer.Backward([loss], [true, true], [a, b]);
        Assert.That(a.Diff.ToArray(), Is.EqualTo(new[] { 0.5f, 0f, -0.5f, 0f }));
        Assert.That(b.Diff.ToArray(), Is.EqualTo(new[] { -0.5f, 0f, 0.5f, 0f }));
    }

    [Test]
    public void L1_CountMismatch_NamesLayerAndShapes()
    {
        Blob a = TestData.Uniform([3, 4], 33), b = TestData.Uniform([3, 5], 34), loss = new();
        var ex = Assert.Throws<LayerException>(() => TestData.SetUp(Def("L1Loss"), [a, b], [loss]));
        Assert.That(ex!.Message, Does.Contain("l1loss").And.Contain(a.ShapeString).And.Contain(b.ShapeString));
    }

    // ---- HingeLoss (Caffe's)

    [TestCase(Norm.L1)]
    [TestCase(Norm.L2)]
    public void Hinge_ValueAndGradient(Norm norm)
    {
        Blob x = TestData.Uniform([5, 3], 35, -2f, 2f), label = TestData.Labels(5, 3, 36), loss = new();
        AwayFrom(x, 0.05f, -1f, 1f);
        Layer layer = TestData.SetUp(Def("HingeLoss", p => p.HingeLossParam = new HingeLossParameter { Norm = norm }), [x, label], [loss]);
        double expected = 0;
        for (int n = 0; n < 5; n++)
        {
            for (int j = 0; j < 3; j++)
            {
                double s = x.Data[n * 3 + j];
                double v = Math.Max(0, 1 + (j == (int)label.Data[n] ? -s : s));
                expected += norm == Norm.L2 ? v * v : v;
            }
        }
        Assert.That(Loss(layer, [x, label], loss), Is.EqualTo(expected / 5).Within(1e-5));
        new GradientChecker(1e-2, 1e-3).Check(layer, [x, label], [loss], [0]);
    }

    [Test]
    public void Hinge_TrueClassTermCounts()
    {
        // One example, true class 0 scored 0.5 (inside the margin), the other class at −3 (inactive): Caffe's hinge is
        // max(0, 1 − 0.5) = 0.5, where the lecture's multiclass SVM loss would be max(0, −3 − 0.5 + 1) = 0.
        Blob x = TestData.Of([1, 2], 0.5f, -3f), label = TestData.Of([1], 0f), caffe = new(), svm = new();
        Layer hinge = TestData.SetUp(Def("HingeLoss"), [x, label], [caffe]);
        Layer multiclass = TestData.SetUp(Def("MulticlassHingeLoss"), [x, label], [svm]);
        Assert.That(Loss(hinge, [x, label], caffe), Is.EqualTo(0.5).Within(1e-7));
        Assert.That(Loss(multiclass, [x, label], svm), Is.EqualTo(0.0));
    }

    [Test]
    public void Hinge_LabelCountMismatch_NamesLayerAndShapes()
    {
        Blob x = TestData.Uniform([5, 3], 37), label = TestData.Labels(10, 3, 38), loss = new();
        label.Reshape(5, 2);
        var ex = Assert.Throws<LayerException>(() => TestData.SetUp(Def("HingeLoss"), [x, label], [loss]));
        Assert.That(ex!.Message, Does.Contain("hingeloss").And.Contain(x.ShapeString).And.Contain(label.ShapeString));
    }

    // ---- MulticlassHingeLoss (the lectures' SVM loss)

    [TestCase(Norm.L1)]
    [TestCase(Norm.L2)]
    public void MulticlassHinge_ValueAndGradient(Norm norm)
    {
        Blob s = TestData.Uniform([5, 4], 39, -2f, 2f), label = TestData.Labels(5, 4, 40), loss = new();
        SeparateMargins(s, label, 0.05f);
        Layer layer = TestData.SetUp(Def("MulticlassHingeLoss", p => p.HingeLossParam = new HingeLossParameter { Norm = norm }), [s, label], [loss]);
        double expected = 0;
        for (int n = 0; n < 5; n++)
        {
            int y = (int)label.Data[n];
            for (int j = 0; j < 4; j++)
            {
                double m = Math.Max(0, (double)s.Data[n * 4 + j] - s.Data[n * 4 + y] + 1);
                expected += j == y ? 0 : norm == Norm.L2 ? m * m : m;
            }
        }
        Assert.That(Loss(layer, [s, label], loss), Is.EqualTo(expected / 5).Within(1e-5));
        new GradientChecker(1e-2, 1e-3).Check(layer, [s, label], [loss], [0]);
    }

    [Test]
    public void MulticlassHinge_BadLabel_NamesTheLayer()
    {
        Blob s = TestData.Uniform([2, 3], 41), label = TestData.Of([2], 0f, 3f), loss = new();
        Layer layer = TestData.SetUp(Def("MulticlassHingeLoss"), [s, label], [loss]);
        var ex = Assert.Throws<LayerException>(() => layer.Forward([s, label], [loss]));
        Assert.That(ex!.Message, Does.Contain("multiclasshingeloss").And.Contain("label 3"));
    }

    // ---- SigmoidCrossEntropyLoss

    private static double SigmoidCrossEntropy(double x, double t) => Math.Max(x, 0) - x * t + Math.Log(1 + Math.Exp(-Math.Abs(x)));

    [Test]
    public void SigmoidCrossEntropy_ValueAndGradient_DefaultsToBatchSize()
    {
        Blob x = TestData.Uniform([3, 5], 42, -4f, 4f), t = TestData.Uniform([3, 5], 43, 0f, 1f), loss = new();
        Layer layer = TestData.SetUp(Def("SigmoidCrossEntropyLoss"), [x, t], [loss]);
        double expected = 0;
        for (int i = 0; i < x.Count; i++)
        {
            expected += SigmoidCrossEntropy(x.Data[i], t.Data[i]);
        }
        Assert.That(Loss(layer, [x, t], loss), Is.EqualTo(expected / 3).Within(1e-5));
        new GradientChecker(1e-2, 1e-3).Check(layer, [x, t], [loss], [0]);
    }

    [TestCase(Mode.Valid, 4)]
    [TestCase(Mode.Full, 6)]
    [TestCase(Mode.BatchSize, 3)]
    [TestCase(Mode.None, 1)]
    public void SigmoidCrossEntropy_IgnoreLabelAndNormalization(Mode mode, int divisor)
    {
        Blob x = TestData.Uniform([3, 2], 44, -3f, 3f), loss = new();
        Blob t = TestData.Of([3, 2], 1f, -1f, 0f, 1f, -1f, 0f);
        Layer layer = TestData.SetUp(Def("SigmoidCrossEntropyLoss", p => p.LossParam = new LossParameter { IgnoreLabel = -1, Normalization = mode }), [x, t], [loss]);
        double expected = 0;
        for (int i = 0; i < 6; i++)
        {
            expected += t.Data[i] == -1f ? 0 : SigmoidCrossEntropy(x.Data[i], t.Data[i]);
        }
        Assert.That(Loss(layer, [x, t], loss), Is.EqualTo(expected / divisor).Within(1e-5));
        loss.MutableDiff[0] = 1f;
        layer.Backward([loss], [true, false], [x, t]);
        Assert.That(x.Diff[1], Is.EqualTo(0f));
        Assert.That(x.Diff[4], Is.EqualTo(0f));
        Assert.That(x.Diff[0], Is.EqualTo((1 / (1 + Math.Exp(-x.Data[0])) - 1) / divisor).Within(1e-6));
        new GradientChecker(1e-2, 1e-3).Check(layer, [x, t], [loss], [0]);
    }

    [Test]
    public void SigmoidCrossEntropy_LegacyNormalizeTrueMeansValid()
    {
        Blob x = TestData.Uniform([2, 2], 45), loss = new();
        Blob t = TestData.Of([2, 2], 1f, 0f, 0f, 1f);
        Layer legacy = TestData.SetUp(Def("SigmoidCrossEntropyLoss", p => p.LossParam = new LossParameter { Normalize = true }), [x, t], [loss]);
        double valid = Loss(legacy, [x, t], loss);
        Blob loss2 = new();
        Layer batch = TestData.SetUp(Def("SigmoidCrossEntropyLoss"), [x, t], [loss2]);
        Assert.That(Loss(batch, [x, t], loss2), Is.EqualTo(valid * 2).Within(1e-6));
    }

    [Test]
    public void SigmoidCrossEntropy_ExtremeLogitsStayFinite()
    {
        Blob x = TestData.Of([1, 4], -100f, 100f, -100f, 100f), t = TestData.Of([1, 4], 0f, 1f, 1f, 0f), loss = new();
        Layer layer = TestData.SetUp(Def("SigmoidCrossEntropyLoss"), [x, t], [loss]);
        Assert.That(Loss(layer, [x, t], loss), Is.EqualTo(200.0).Within(1e-3));
    }

    [Test]
    public void SigmoidCrossEntropy_CountMismatch_NamesLayerAndShapes()
    {
        Blob x = TestData.Uniform([3, 4], 46), t = TestData.Uniform([3, 3], 47), loss = new();
        var ex = Assert.Throws<LayerException>(() => TestData.SetUp(Def("SigmoidCrossEntropyLoss"), [x, t], [loss]));
        Assert.That(ex!.Message, Does.Contain("sigmoidcrossentropyloss").And.Contain(x.ShapeString).And.Contain(t.ShapeString));
    }

    // ---- MultinomialLogisticLoss

    [Test]
    public void MultinomialLogistic_ValueAndGradient()
    {
        Blob p = TestData.Uniform([5, 3], 48, 0.1f, 1f), label = TestData.Labels(5, 3, 49), loss = new();
        Layer layer = TestData.SetUp(Def("MultinomialLogisticLoss"), [p, label], [loss]);
        double expected = 0;
        for (int n = 0; n < 5; n++)
        {
            expected -= Math.Log(p.Data[n * 3 + (int)label.Data[n]]);
        }
        Assert.That(Loss(layer, [p, label], loss), Is.EqualTo(expected / 5).Within(1e-5));
        // −log p has f''' = −2/p³ (2000 at p = 0.1): with h = 1e-2 the truncation error h²/6·|f'''| would reach 3e-3 of the
        // gradient 1/p, so the step is 1e-3 (truncation ~3e-5); float rounding of the loss (~2e-7) over 2h then adds ≤ 1e-4.
        new GradientChecker(1e-3, 2e-3).Check(layer, [p, label], [loss], [0]);
    }

    [Test]
    public void MultinomialLogistic_ZeroProbabilityIsClamped()
    {
        Blob p = TestData.Of([2, 2], 0f, 1f, 0.5f, 0.5f), label = TestData.Of([2], 0f, 1f), loss = new();
        Layer layer = TestData.SetUp(Def("MultinomialLogisticLoss"), [p, label], [loss]);
        Assert.That(Loss(layer, [p, label], loss), Is.EqualTo((-Math.Log(1e-20) - Math.Log(0.5)) / 2).Within(1e-4));
    }

    [Test]
    public void MultinomialLogistic_LabelCountMismatch_NamesLayerAndShapes()
    {
        Blob p = TestData.Uniform([4, 3], 50), label = TestData.Of([4, 2], 0, 0, 0, 0, 0, 0, 0, 0), loss = new();
        var ex = Assert.Throws<LayerException>(() => TestData.SetUp(Def("MultinomialLogisticLoss"), [p, label], [loss]));
        Assert.That(ex!.Message, Does.Contain("multinomiallogisticloss").And.Contain(p.ShapeString).And.Contain(label.ShapeString));
    }

    // ---- InfogainLoss

    private static double Infogain(Blob x, Blob label, float[] h, int ignore = int.MinValue)
    {
        int n = x.ShapeAt(0), c = x.ShapeAt(1);
        double loss = 0;
        for (int i = 0; i < n; i++)
        {
            int l = (int)label.Data[i];
            if (l == ignore)
            {
                continue;
            }
            double z = 0;
            for (int k = 0; k < c; k++)
            {
                z += Math.Exp(x.Data[i * c + k]);
            }
            for (int k = 0; k < c; k++)
            {
                loss -= h[l * c + k] * Math.Log(Math.Exp(x.Data[i * c + k]) / z);
            }
        }
        return loss;
    }

    [Test]
    public void Infogain_FromBottom_ValueAndGradient()
    {
        Blob x = TestData.Uniform([5, 3], 51, -2f, 2f), label = TestData.Labels(5, 3, 52), h = TestData.Uniform([3, 3], 53, 0f, 1f), loss = new();
        Layer layer = TestData.SetUp(Def("InfogainLoss"), [x, label, h], [loss]);
        Assert.That(Loss(layer, [x, label, h], loss), Is.EqualTo(Infogain(x, label, h.Data.ToArray()) / 5).Within(1e-5));
        new GradientChecker(1e-2, 1e-3).Check(layer, [x, label, h], [loss], [0]);
        Assert.That(layer.AllowForceBackward(1), Is.False);
        Assert.That(layer.AllowForceBackward(2), Is.False);
    }

    [Test]
    public void Infogain_IdentityMatrixIsSoftmaxWithLoss()
    {
        Blob x = TestData.Uniform([5, 4], 54, -2f, 2f), label = TestData.Labels(5, 4, 55), loss = new(), reference = new();
        Blob identity = new(4, 4);
        for (int i = 0; i < 4; i++)
        {
            identity.MutableData[i * 5] = 1f;
        }
        Layer infogain = TestData.SetUp(Def("InfogainLoss"), [x, label, identity], [loss]);
        Layer softmax = TestData.SetUp(Def("SoftmaxWithLoss"), [x, label], [reference]);
        Assert.That(Loss(infogain, [x, label, identity], loss), Is.EqualTo(Loss(softmax, [x, label], reference)).Within(1e-6));
    }

    [Test]
    public void Infogain_FromSourceFile_MatchesBottom()
    {
        Blob x = TestData.Uniform([3, 3], 56, -2f, 2f), label = TestData.Labels(3, 3, 57), h = TestData.Uniform([3, 3], 58, 0f, 1f);
        string path = Path.Combine(Path.GetTempPath(), $"infogain-{Guid.NewGuid():N}.binaryproto");
        try
        {
            WeightsFile.WriteBlob(path, BlobProtoExtensions.Create([3, 3], h.Data));
            Blob fromFile = new(), fromBottom = new();
            Layer file = TestData.SetUp(Def("InfogainLoss", p => p.InfogainLossParam = new InfogainLossParameter { Source = path }), [x, label], [fromFile]);
            Layer bottom = TestData.SetUp(Def("InfogainLoss"), [x, label, h], [fromBottom]);
            Assert.That(Loss(file, [x, label], fromFile), Is.EqualTo(Loss(bottom, [x, label, h], fromBottom)));
            new GradientChecker(1e-2, 1e-3).Check(file, [x, label], [fromFile], [0]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void Infogain_IgnoreLabelValidNormalization()
    {
        Blob x = TestData.Uniform([4, 3], 59, -2f, 2f), label = TestData.Of([4], 0f, 7f, 2f, 1f), h = TestData.Uniform([3, 3], 60, 0f, 1f), loss = new();
        Layer layer = TestData.SetUp(Def("InfogainLoss", p => p.LossParam = new LossParameter { IgnoreLabel = 7 }), [x, label, h], [loss]);
        Assert.That(Loss(layer, [x, label, h], loss), Is.EqualTo(Infogain(x, label, h.Data.ToArray(), 7) / 3).Within(1e-5));
        new GradientChecker(1e-2, 1e-3).Check(layer, [x, label, h], [loss], [0]);
    }

    [Test]
    public void Infogain_WithoutMatrix_NamesTheLayer()
    {
        Blob x = TestData.Uniform([2, 3], 61), label = TestData.Labels(2, 3, 62), loss = new();
        var ex = Assert.Throws<LayerException>(() => TestData.SetUp(Def("InfogainLoss", p => p.Name = "info1"), [x, label], [loss]));
        Assert.That(ex!.Message, Does.Contain("info1").And.Contain("source"));
    }

    [Test]
    public void Infogain_WrongMatrixSize_NamesLayerAndShapes()
    {
        Blob x = TestData.Uniform([2, 3], 63), label = TestData.Labels(2, 3, 64), h = TestData.Uniform([4, 4], 65), loss = new();
        var ex = Assert.Throws<LayerException>(() => TestData.SetUp(Def("InfogainLoss"), [x, label, h], [loss]));
        Assert.That(ex!.Message, Does.Contain("infogainloss").And.Contain(x.ShapeString).And.Contain(h.ShapeString));
    }

    // ---- ContrastiveLoss

    [TestCase(false)]
    [TestCase(true)]
    public void Contrastive_ValueAndGradient(bool legacy)
    {
        Blob a = TestData.Uniform([6, 3, 1, 1], 66, -0.6f, 0.6f), b = TestData.Uniform([6, 3, 1, 1], 67, -0.6f, 0.6f), loss = new();
        Blob y = TestData.Of([6], 1f, 0f, 0f, 1f, 0f, 0f);
        double[] d2 = Enumerable.Range(0, 6).Select(n => Enumerable.Range(0, 3).Sum(k => Math.Pow(a.Data[n * 3 + k] - b.Data[n * 3 + k], 2))).ToArray();
        // The margin sits halfway between two sorted dissimilar distances (d, or d² when legacy), so some dissimilar pairs
        // are active and none is near the kink margin = d.
        double[] measure = new[] { 1, 2, 4, 5 }.Select(n => legacy ? d2[n] : Math.Sqrt(d2[n])).Order().ToArray();
        float margin = (float)((measure[1] + measure[2]) / 2);
        Assert.That(measure[2] - measure[1], Is.GreaterThan(0.1), "test data must separate the distances");
        Layer layer = TestData.SetUp(Def("ContrastiveLoss", p => p.ContrastiveLossParam = new ContrastiveLossParameter { Margin = margin, LegacyVersion = legacy }), [a, b, y], [loss]);
        double expected = 0;
        for (int n = 0; n < 6; n++)
        {
            expected += y.Data[n] != 0 ? d2[n] : legacy ? Math.Max(margin - d2[n], 0) : Math.Pow(Math.Max(margin - Math.Sqrt(d2[n]), 0), 2);
        }
        Assert.That(Loss(layer, [a, b, y], loss), Is.EqualTo(expected / 12).Within(1e-6));
        new GradientChecker(1e-2, 1e-3).Check(layer, [a, b, y], [loss], [0, 1]);
        Assert.That(new[] { layer.AllowForceBackward(0), layer.AllowForceBackward(1), layer.AllowForceBackward(2) }, Is.EqualTo(new[] { true, true, false }));
    }

    [Test]
    public void Contrastive_GradientMatchesFormula()
    {
        // The checker's floor of 1 on its scale is loose for gradients of size ~1/N, so compare with the closed form too,
        // including Caffe's 1e-4 added to d in the dissimilar branch.
        Blob a = TestData.Uniform([4, 3], 71, -0.5f, 0.5f), b = TestData.Uniform([4, 3], 72, -0.5f, 0.5f), loss = new();
        Blob y = TestData.Of([4], 0f, 1f, 0f, 0f);
        Layer layer = TestData.SetUp(Def("ContrastiveLoss", p => p.ContrastiveLossParam = new ContrastiveLossParameter { Margin = 2f }), [a, b, y], [loss]);
        layer.Forward([a, b, y], [loss]);
        loss.MutableDiff[0] = 1f;
        layer.Backward([loss], [true, true, false], [a, b, y]);
        for (int n = 0; n < 4; n++)
        {
            double d = Math.Sqrt(Enumerable.Range(0, 3).Sum(k => Math.Pow(a.Data[n * 3 + k] - b.Data[n * 3 + k], 2)));
            Assert.That(d, Is.LessThan(2), "every dissimilar pair is inside the margin");
            double factor = y.Data[n] != 0 ? 1.0 / 4 : -(2 - d) / (d + 1e-4) / 4;
            for (int k = 0; k < 3; k++)
            {
                int i = n * 3 + k;
                double expected = factor * (a.Data[i] - b.Data[i]);
                Assert.That(a.Diff[i], Is.EqualTo(expected).Within(1e-5 * Math.Abs(expected) + 1e-7), $"da[{i}]");
                Assert.That(b.Diff[i], Is.EqualTo(-expected).Within(1e-5 * Math.Abs(expected) + 1e-7), $"db[{i}]");
            }
        }
    }

    [Test]
    public void Contrastive_ShapeMismatch_NamesLayerAndShapes()
    {
        Blob a = TestData.Uniform([4, 3, 1, 1], 68), b = TestData.Uniform([4, 2, 1, 1], 69), y = TestData.Labels(4, 2, 70), loss = new();
        var ex = Assert.Throws<LayerException>(() => TestData.SetUp(Def("ContrastiveLoss"), [a, b, y], [loss]));
        Assert.That(ex!.Message, Does.Contain("contrastiveloss").And.Contain(a.ShapeString).And.Contain(b.ShapeString));
    }

    /// <summary>Moves b's values so that every |a − b| ≥ gap (the L1 kinks).</summary>
    private static void SeparateFrom(Blob a, Blob b, float gap)
    {
        Span<float> bs = b.MutableData;
        for (int i = 0; i < bs.Length; i++)
        {
            float d = a.Data[i] - bs[i];
            if (MathF.Abs(d) < gap)
            {
                bs[i] = a.Data[i] - (d >= 0 ? gap : -gap);
            }
        }
    }

    /// <summary>Moves scores so that every hinge argument s_j − s_y + 1 (j ≠ y) is at least gap away from 0.</summary>
    internal static void SeparateMargins(Blob s, Blob label, float gap)
    {
        int n = label.Count, c = s.Count / n;
        Span<float> d = s.MutableData;
        for (int i = 0; i < n; i++)
        {
            int y = (int)label.Data[i];
            for (int j = 0; j < c; j++)
            {
                float m = d[i * c + j] - d[i * c + y] + 1f;
                if (j != y && MathF.Abs(m) < gap)
                {
                    d[i * c + j] += m >= 0 ? gap : -gap;
                }
            }
        }
    }
}
