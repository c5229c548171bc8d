using Engine.Fillers;
using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.Layers;

/// <summary>Forward values and gradient checks for the foundation's layers.</summary>
public class FoundationLayerTests
{
    private static LayerParameter Def(string type, Action<LayerParameter>? configure = null)
    {
        var p = new LayerParameter { Name = type.ToLowerInvariant(), Type = type };
        configure?.Invoke(p);
        return p;
    }

    [TestCase(0f)]
    [TestCase(0.1f)]
    public void ReLU_ForwardAndGradient(float slope)
    {
        Blob x = TestData.Uniform([2, 3, 5], 1), y = new();
        Layer layer = TestData.SetUp(Def("ReLU", p => p.ReluParam = new ReLUParameter { NegativeSlope = slope }), [x], [y]);
        layer.Forward([x], [y]);
        for (int i = 0; i < x.Count; i++)
        {
            float v = x.Data[i];
            Assert.That(y.Data[i], Is.EqualTo(v > 0 ? v : v * slope));
        }
        new GradientChecker(1e-3, 1e-3, kink: 0, kinkRange: 0.01).Check(layer, [x], [y]);
    }

    [Test]
    public void Sigmoid_ForwardAndGradient()
    {
        Blob x = TestData.Uniform([3, 7], 2, -3, 3), y = new();
        Layer layer = TestData.SetUp(Def("Sigmoid"), [x], [y]);
        layer.Forward([x], [y]);
        for (int i = 0; i < x.Count; i++)
        {
            Assert.That(y.Data[i], Is.EqualTo(1.0 / (1.0 + Math.Exp(-x.Data[i]))).Within(1e-6));
        }
        new GradientChecker().Check(layer, [x], [y]);
    }

    [Test]
    public void TanH_ForwardAndGradient()
    {
        Blob x = TestData.Uniform([3, 7], 3, -2, 2), y = new();
        Layer layer = TestData.SetUp(Def("TanH"), [x], [y]);
        layer.Forward([x], [y]);
        for (int i = 0; i < x.Count; i++)
        {
            Assert.That(y.Data[i], Is.EqualTo(Math.Tanh(x.Data[i])).Within(1e-6));
        }
        new GradientChecker().Check(layer, [x], [y]);
    }

    [TestCase(false, 1)]
    [TestCase(true, 1)]
    [TestCase(false, 2)]
    public void InnerProduct_ForwardAndGradient(bool transpose, int axis)
    {
        Blob x = TestData.Uniform([2, 3, 5], 4), y = new();
        Layer layer = TestData.SetUp(Def("InnerProduct", p => p.InnerProductParam = new InnerProductParameter
        {
            NumOutput = 7, Transpose = transpose, Axis = axis, WeightFiller = Filler.Gaussian(1f), BiasFiller = Filler.Uniform(-1, 1),
        }), [x], [y]);
        int m = axis == 1 ? 2 : 6, k = axis == 1 ? 15 : 5;
        Assert.That(y.ShapeArray, Is.EqualTo(axis == 1 ? new[] { 2, 7 } : new[] { 2, 3, 7 }));
        layer.Forward([x], [y]);
        ReadOnlySpan<float> w = layer.Blobs[0].Data, b = layer.Blobs[1].Data;
        for (int i = 0; i < m; i++)
        {
            for (int o = 0; o < 7; o++)
            {
                double expected = b[o];
                for (int j = 0; j < k; j++)
                {
                    expected += x.Data[i * k + j] * (transpose ? w[j * 7 + o] : w[o * k + j]);
                }
                Assert.That(y.Data[i * 7 + o], Is.EqualTo(expected).Within(1e-4));
            }
        }
        new GradientChecker().Check(layer, [x], [y]);
    }

    [Test]
    public void InnerProduct_WithoutNumOutput_NamesTheLayer()
    {
        Blob x = TestData.Uniform([2, 3], 4), y = new();
        var ex = Assert.Throws<LayerException>(() => TestData.SetUp(Def("InnerProduct", p => p.Name = "fc9"), [x], [y]));
        Assert.That(ex!.Message, Does.Contain("fc9").And.Contain("num_output"));
    }

    [TestCase(1)]
    [TestCase(2)]
    public void Softmax_ForwardAndGradient(int axis)
    {
        Blob x = TestData.Uniform([2, 4, 3], 5, -2, 2), y = new();
        Layer layer = TestData.SetUp(Def("Softmax", p => p.SoftmaxParam = new SoftmaxParameter { Axis = axis }), [x], [y]);
        layer.Forward([x], [y]);
        int outer = x.CountRange(0, axis), channels = x.ShapeAt(axis), inner = x.CountFrom(axis + 1);
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                double sum = 0;
                for (int c = 0; c < channels; c++)
                {
                    sum += Math.Exp(x.Data[(o * channels + c) * inner + i]);
                }
                for (int c = 0; c < channels; c++)
                {
                    int idx = (o * channels + c) * inner + i;
                    Assert.That(y.Data[idx], Is.EqualTo(Math.Exp(x.Data[idx]) / sum).Within(1e-6));
                }
            }
        }
        new GradientChecker().Check(layer, [x], [y]);
    }

    [Test]
    public void SoftmaxWithLoss_ValueAndGradient()
    {
        Blob x = TestData.Uniform([5, 4], 6, -2, 2), label = TestData.Labels(5, 4, 7), loss = new();
        Layer layer = TestData.SetUp(Def("SoftmaxWithLoss"), [x, label], [loss]);
        layer.Forward([x, label], [loss]);
        double expected = 0;
        for (int n = 0; n < 5; n++)
        {
            double sum = 0;
            for (int c = 0; c < 4; c++)
            {
                sum += Math.Exp(x.Data[n * 4 + c]);
            }
            expected -= Math.Log(Math.Exp(x.Data[n * 4 + (int)label.Data[n]]) / sum);
        }
        Assert.That(loss.Data[0], Is.EqualTo(expected / 5).Within(1e-5));
        Assert.That(loss.NumAxes, Is.EqualTo(0));
        new GradientChecker().Check(layer, [x, label], [loss], [0]);
    }

    [TestCase(LossParameter.Types.NormalizationMode.Full, 6)]
    [TestCase(LossParameter.Types.NormalizationMode.Valid, 4)]
    [TestCase(LossParameter.Types.NormalizationMode.BatchSize, 3)]
    [TestCase(LossParameter.Types.NormalizationMode.None, 1)]
    public void SoftmaxWithLoss_NormalizationAndIgnoreLabel(LossParameter.Types.NormalizationMode mode, int divisor)
    {
        // 3 samples × 2 spatial positions, 3 classes; two of six labels are ignored (label 2).
        Blob x = TestData.Uniform([3, 3, 2], 8, -2, 2), loss = new();
        Blob label = TestData.Of([3, 2], 0, 2, 1, 0, 2, 1);
        Layer layer = TestData.SetUp(Def("SoftmaxWithLoss", p => p.LossParam = new LossParameter { IgnoreLabel = 2, Normalization = mode }), [x, label], [loss]);
        layer.Forward([x, label], [loss]);
        double sum = 0;
        for (int n = 0; n < 3; n++)
        {
            for (int i = 0; i < 2; i++)
            {
                int l = (int)label.Data[n * 2 + i];
                if (l == 2)
                {
                    continue;
                }
                double z = 0;
                for (int c = 0; c < 3; c++)
                {
                    z += Math.Exp(x.Data[(n * 3 + c) * 2 + i]);
                }
                sum -= Math.Log(Math.Exp(x.Data[(n * 3 + l) * 2 + i]) / z);
            }
        }
        Assert.That(loss.Data[0], Is.EqualTo(sum / divisor).Within(1e-5));
        new GradientChecker().Check(layer, [x, label], [loss], [0]);
    }

    [Test]
    public void EuclideanLoss_ValueAndGradient()
    {
        Blob a = TestData.Uniform([4, 3], 9), b = TestData.Uniform([4, 3], 10), loss = new();
        Layer layer = TestData.SetUp(Def("EuclideanLoss"), [a, b], [loss]);
        layer.Forward([a, b], [loss]);
        double expected = 0;
        for (int i = 0; i < 12; i++)
        {
            expected += Math.Pow(a.Data[i] - b.Data[i], 2);
        }
        Assert.That(loss.Data[0], Is.EqualTo(expected / 8).Within(1e-6));
        new GradientChecker().Check(layer, [a, b], [loss]);
    }

    [Test]
    public void Split_SumsGradients()
    {
        Blob x = TestData.Uniform([2, 3], 11), t0 = new(), t1 = new(), t2 = new();
        Layer layer = TestData.SetUp(Def("Split"), [x], [t0, t1, t2]);
        layer.Forward([x], [t0, t1, t2]);
        Assert.That(t2.Data.ToArray(), Is.EqualTo(x.Data.ToArray()));
        new GradientChecker().Check(layer, [x], [t0, t1, t2]);
    }

    [TestCase(EltwiseParameter.Types.EltwiseOp.Sum)]
    [TestCase(EltwiseParameter.Types.EltwiseOp.Prod)]
    [TestCase(EltwiseParameter.Types.EltwiseOp.Max)]
    public void Eltwise_Gradient(EltwiseParameter.Types.EltwiseOp op)
    {
        Blob a = TestData.Uniform([2, 5], 12), b = TestData.Uniform([2, 5], 13), c = TestData.Uniform([2, 5], 14), y = new();
        Layer layer = TestData.SetUp(Def("Eltwise", p =>
        {
            p.EltwiseParam = new EltwiseParameter { Operation = op };
            if (op == EltwiseParameter.Types.EltwiseOp.Sum)
            {
                p.EltwiseParam.Coeff.AddRange([1f, -0.5f, 2f]);
            }
        }), [a, b, c], [y]);
        layer.Forward([a, b, c], [y]);
        for (int i = 0; i < 10; i++)
        {
            float expected = op switch
            {
                EltwiseParameter.Types.EltwiseOp.Sum => a.Data[i] - 0.5f * b.Data[i] + 2 * c.Data[i],
                EltwiseParameter.Types.EltwiseOp.Prod => a.Data[i] * b.Data[i] * c.Data[i],
                _ => Math.Max(a.Data[i], Math.Max(b.Data[i], c.Data[i])),
            };
            Assert.That(y.Data[i], Is.EqualTo(expected).Within(1e-6));
        }
        new GradientChecker(1e-3, 1e-2).Check(layer, [a, b, c], [y]);
    }

    [Test]
    public void Eltwise_MismatchedShapes_NamesBothShapes()
    {
        Blob a = new([2, 3], "a"), b = new([3, 2], "b"), y = new();
        var ex = Assert.Throws<LayerException>(() => TestData.SetUp(Def("Eltwise"), [a, b], [y]));
        Assert.That(ex!.Message, Does.Contain("2 3").And.Contain("3 2").And.Contain("eltwise"));
    }

    [Test]
    public void GradientChecker_DetectsAWrongGradient()
    {
        // A layer whose backward is off by a factor must fail the check: the checker itself can fail.
        Blob x = TestData.Uniform([3, 4], 15), y = new();
        var layer = new WrongGradientLayer(new LayerParameter { Name = "bad", Type = "Bad", Phase = Phase.Train });
        layer.SetUp([x], [y]);
        Assert.Throws<AssertionException>(() => new GradientChecker().Check(layer, [x], [y]));
    }

    private sealed class WrongGradientLayer(LayerParameter p) : Engine.Layers.NeuronLayer(p)
    {
        protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
            => Ops.Sqr(bottom[0].Data, top[0].MutableData);

        protected override void BackwardCpu(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
        {
            Ops.Mul(top[0].Diff, bottom[0].Data, bottom[0].MutableDiff); // should be 2·x·dy
        }
    }
}
