using Engine.Fillers;
using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;
using static Engine.Tests.Layers.Common.CommonFixtures;

namespace Engine.Tests.Layers.Common;

/// <summary>Scale and Bias: broadcasting against PyTorch, learned and bottom factors, gradients, shape errors.</summary>
public class ScaleBiasLayerTests
{
    [Test]
    public void Scale_LearnedWithBias_MatchesFixture()
    {
        FixtureCase c = Case("scale_axis1_bias");
        Blob x = c.Blob("x"), y = new("y");
        Layer layer = TestData.SetUp(Def("Scale", p => p.ScaleParam = new ScaleParameter { BiasTerm = true }), [x], [y]);
        Assert.That(layer.Blobs.Select(b => b.ShapeArray), Is.EqualTo(new[] { new[] { 3 }, [3] }));
        Assert.That(layer.Blobs[0].Data.ToArray(), Is.All.EqualTo(1f), "default scale filler is constant 1");
        Assert.That(layer.Blobs[1].Data.ToArray(), Is.All.EqualTo(0f), "default bias filler is constant 0");
        c.Values("scale").CopyTo(layer.Blobs[0].MutableData);
        c.Values("bias").CopyTo(layer.Blobs[1].MutableData);
        layer.Forward([x], [y]);
        c.AssertData(y, "y");
        c.SetDiff(y, "dy");
        layer.Blobs[0].MutableDiff.Clear();
        layer.Blobs[1].MutableDiff.Clear();
        layer.Backward([y], [true], [x]);
        c.AssertDiff(x, "grad_x");
        c.AssertDiff(layer.Blobs[0], "grad_scale");
        c.AssertDiff(layer.Blobs[1], "grad_bias");
    }

    [Test]
    public void Scale_TwoBottoms_MatchesFixture()
    {
        FixtureCase c = Case("scale_two_bottoms");
        Blob x = c.Blob("x"), s = c.Blob("scale"), y = new("y");
        Layer layer = TestData.SetUp(Def("Scale"), [x, s], [y]);
        Assert.That(layer.Blobs, Is.Empty);
        layer.Forward([x, s], [y]);
        c.AssertData(y, "y");
        c.SetDiff(y, "dy");
        s.MutableDiff.Fill(100f); // overwritten, not accumulated
        layer.Backward([y], [true, true], [x, s]);
        c.AssertDiff(x, "grad_x");
        c.AssertDiff(s, "grad_scale");
    }

    [Test]
    public void Bias_TwoBottoms_MatchesFixture()
    {
        FixtureCase c = Case("bias_two_bottoms");
        Blob x = c.Blob("x"), b = c.Blob("bias"), y = new("y");
        Layer layer = TestData.SetUp(Def("Bias"), [x, b], [y]);
        layer.Forward([x, b], [y]);
        c.AssertData(y, "y");
        c.SetDiff(y, "dy");
        b.MutableDiff.Fill(100f);
        layer.Backward([y], [true, true], [x, b]);
        c.AssertDiff(x, "grad_x");
        c.AssertDiff(b, "grad_bias");
    }

    [TestCase(1, 1, false)]
    [TestCase(1, 2, true)]
    [TestCase(0, -1, true)]
    [TestCase(2, 0, true)]
    [TestCase(-1, 1, false)]
    public void Scale_Learned_Gradient(int axis, int numAxes, bool bias)
    {
        Blob x = TestData.Uniform([2, 3, 5], 41), y = new();
        Layer layer = TestData.SetUp(Def("Scale", p => p.ScaleParam = new ScaleParameter
        {
            Axis = axis, NumAxes = numAxes, BiasTerm = bias, Filler = Filler.Uniform(-1, 1), BiasFiller = Filler.Uniform(-1, 1),
        }), [x], [y]);
        new GradientChecker().Check(layer, [x], [y]);
    }

    [TestCase(new[] { 3 }, 1)]
    [TestCase(new[] { 2, 3 }, 0)]
    [TestCase(new int[0], 1)]
    [TestCase(new[] { 5 }, -1)]
    public void Scale_TwoBottoms_Gradient(int[] factorShape, int axis)
    {
        Blob x = TestData.Uniform([2, 3, 5], 42), s = TestData.Uniform(factorShape, 43), y = new();
        Layer layer = TestData.SetUp(Def("Scale", p => p.ScaleParam = new ScaleParameter { Axis = axis, BiasTerm = true, BiasFiller = Filler.Uniform(-1, 1) }), [x, s], [y]);
        Assert.That(layer.Blobs, Has.Count.EqualTo(1), "[bias] only");
        new GradientChecker().Check(layer, [x, s], [y]);
    }

    [TestCase(1)]
    [TestCase(-1)]
    public void Scale_InPlace_MatchesOutOfPlace(int axis)
    {
        LayerParameter def = Def("Scale", p => p.ScaleParam = new ScaleParameter { Axis = axis, BiasTerm = true, Filler = Filler.Uniform(-1, 1), BiasFiller = Filler.Uniform(-1, 1) });
        Blob x = TestData.Uniform([2, 3, 2], 44), y = new(), z = TestData.Uniform([2, 3, 2], 44);
        Layer a = TestData.SetUp(def.Clone(), [x], [y], seed: 7);
        Layer b = TestData.SetUp(def.Clone(), [z], [z], seed: 7);
        a.Forward([x], [y]);
        b.Forward([z], [z]);
        Assert.That(z.Data.ToArray(), Is.EqualTo(y.Data.ToArray()));
        TestData.Uniform([2, 3, 2], 45).Data.CopyTo(y.MutableDiff);
        y.Diff.CopyTo(z.MutableDiff);
        a.Backward([y], [true], [x]);
        b.Backward([z], [true], [z]);
        Assert.That(z.Diff.ToArray(), Is.EqualTo(x.Diff.ToArray()).Within(1e-6));
        Assert.That(b.Blobs[0].Diff.ToArray(), Is.EqualTo(a.Blobs[0].Diff.ToArray()).Within(1e-6));
        Assert.That(b.Blobs[1].Diff.ToArray(), Is.EqualTo(a.Blobs[1].Diff.ToArray()).Within(1e-6));
    }

    [Test]
    public void Scale_MismatchedFactor_NamesLayerAndShapes()
    {
        Blob x = new([2, 3, 5], "features"), s = new([4], "gain");
        var ex = Assert.Throws<LayerException>(() => TestData.SetUp(Def("Scale", p => p.Name = "gamma"), [x, s], [new()]));
        Assert.That(ex!.Message, Does.Contain("gamma").And.Contain("2 3 5").And.Contain("4 (4)"));
        var ex2 = Assert.Throws<LayerException>(() => TestData.SetUp(Def("Scale", p => p.ScaleParam = new ScaleParameter { Axis = 2, NumAxes = 2 }), [x], [new()]));
        Assert.That(ex2!.Message, Does.Contain("2 3 5"));
    }

    [TestCase(1, 1)]
    [TestCase(1, -1)]
    [TestCase(0, 0)]
    public void Bias_Learned_GradientAndDefaultFiller(int axis, int numAxes)
    {
        Blob x = TestData.Uniform([3, 2, 5], 46), y = new();
        Layer zero = TestData.SetUp(Def("Bias", p => p.BiasParam = new BiasParameter { Axis = axis, NumAxes = numAxes }), [x], [y]);
        Assert.That(zero.Blobs[0].Data.ToArray(), Is.All.EqualTo(0f));
        Layer layer = TestData.SetUp(Def("Bias", p => p.BiasParam = new BiasParameter { Axis = axis, NumAxes = numAxes, Filler = Filler.Uniform(-1, 1) }), [x], [y]);
        new GradientChecker().Check(layer, [x], [y]);
    }

    [Test]
    public void Bias_TwoBottoms_Gradient()
    {
        Blob x = TestData.Uniform([3, 2, 5], 47), b = TestData.Uniform([2], 48), y = new();
        Layer layer = TestData.SetUp(Def("Bias"), [x, b], [y]);
        new GradientChecker().Check(layer, [x, b], [y]);
    }

    [Test]
    public void Bias_MismatchedShapes_NamesLayerAndShapes()
    {
        Blob x = new([3, 2, 5], "features"), b = new([5], "offset");
        var ex = Assert.Throws<LayerException>(() => TestData.SetUp(Def("Bias"), [x, b], [new()]));
        Assert.That(ex!.Message, Does.Contain("bias1").And.Contain("3 2 5").And.Contain("offset"));
    }
}
