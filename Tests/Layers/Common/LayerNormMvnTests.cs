using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;
using static Engine.Tests.Layers.Common.CommonFixtures;

namespace Engine.Tests.Layers.Common;

/// <summary>LayerNorm and MVN against PyTorch references, gradients, and axis errors.</summary>
public class LayerNormMvnTests
{
    [TestCase("layernorm_last", null)]
    [TestCase("layernorm_last", -1)]
    [TestCase("layernorm_last", 2)]
    [TestCase("layernorm_axis1", 1)]
    [TestCase("layernorm_axis1", -2)]
    public void LayerNorm_MatchesFixture(string name, int? axis)
    {
        FixtureCase c = Case(name);
        Blob x = c.Blob("x"), y = new("y");
        Layer layer = TestData.SetUp(Def("LayerNorm", p =>
        {
            if (axis is int a)
            {
                p.LayerNormParam = new LayerNormParameter { Axis = a };
            }
        }), [x], [y]);
        layer.Forward([x], [y]);
        c.AssertData(y, "y");
        c.SetDiff(y, "dy");
        layer.Backward([y], [true], [x]);
        c.AssertDiff(x, "grad_x");
    }

    [TestCase(-1)]
    [TestCase(1)]
    [TestCase(0)]
    public void LayerNorm_Gradient(int axis)
    {
        Blob x = TestData.Uniform([3, 2, 5], 31, -2, 2), y = new();
        Layer layer = TestData.SetUp(Def("LayerNorm", p => p.LayerNormParam = new LayerNormParameter { Axis = axis, Eps = 1e-4f }), [x], [y]);
        new GradientChecker(1e-3, 5e-3).Check(layer, [x], [y]);
    }

    [Test]
    public void LayerNorm_AxisOutOfRange_NamesLayerAndShape()
    {
        Blob x = new([2, 3], "x");
        var ex = Assert.Throws<LayerException>(() => TestData.SetUp(Def("LayerNorm", p => p.LayerNormParam = new LayerNormParameter { Axis = -3 }), [x], [new()]));
        Assert.That(ex!.Message, Does.Contain("layernorm1").And.Contain("2 3"));
    }

    [TestCase("mvn_per_channel", false)]
    [TestCase("mvn_across_channels", true)]
    public void MVN_MatchesFixture(string name, bool across)
    {
        FixtureCase c = Case(name);
        Blob x = c.Blob("x"), y = new("y");
        Layer layer = TestData.SetUp(Def("MVN", p => p.MvnParam = new MVNParameter { AcrossChannels = across }), [x], [y]);
        layer.Forward([x], [y]);
        c.AssertData(y, "y");
        c.SetDiff(y, "dy");
        layer.Backward([y], [true], [x]);
        c.AssertDiff(x, "grad_x");
    }

    [Test]
    public void MVN_MeanOnly_SubtractsTheMean()
    {
        Blob x = TestData.Uniform([2, 3, 4], 32), y = new();
        Layer layer = TestData.SetUp(Def("MVN", p => p.MvnParam = new MVNParameter { NormalizeVariance = false }), [x], [y]);
        layer.Forward([x], [y]);
        for (int r = 0; r < 6; r++)
        {
            double mean = Enumerable.Range(0, 4).Average(i => x.Data[r * 4 + i]);
            for (int i = 0; i < 4; i++)
            {
                Assert.That(y.Data[r * 4 + i], Is.EqualTo(x.Data[r * 4 + i] - mean).Within(1e-6));
            }
        }
    }

    [TestCase(true, false)]
    [TestCase(true, true)]
    [TestCase(false, false)]
    [TestCase(false, true)]
    public void MVN_Gradient(bool normalizeVariance, bool across)
    {
        Blob x = TestData.Uniform([2, 3, 5], 33, -2, 2), y = new();
        Layer layer = TestData.SetUp(Def("MVN", p => p.MvnParam = new MVNParameter { NormalizeVariance = normalizeVariance, AcrossChannels = across, Eps = 1e-3f }), [x], [y]);
        new GradientChecker(1e-3, 5e-3).Check(layer, [x], [y]);
    }
}
