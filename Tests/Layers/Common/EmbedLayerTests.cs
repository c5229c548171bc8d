using Engine.Fillers;
using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;
using static Engine.Tests.Layers.Common.CommonFixtures;

namespace Engine.Tests.Layers.Common;

/// <summary>Embed: table lookup against a fixture, parameter gradients, index errors.</summary>
public class EmbedLayerTests
{
    private static LayerParameter EmbedDef(bool bias = true) => Def("Embed", p => p.EmbedParam = new EmbedParameter
    {
        InputDim = 5, NumOutput = 4, BiasTerm = bias, WeightFiller = Filler.Uniform(-1, 1), BiasFiller = Filler.Uniform(-1, 1),
    });

    [Test]
    public void Embed_MatchesFixture()
    {
        FixtureCase c = Case("embed");
        Blob x = c.Blob("x"), y = new("y");
        Layer layer = TestData.SetUp(EmbedDef(), [x], [y]);
        Assert.That(layer.Blobs[0].ShapeArray, Is.EqualTo(new[] { 5, 4 }));
        c.Values("weight").CopyTo(layer.Blobs[0].MutableData);
        c.Values("bias").CopyTo(layer.Blobs[1].MutableData);
        layer.Forward([x], [y]);
        c.AssertData(y, "y");
        c.SetDiff(y, "dy");
        layer.Blobs[0].MutableDiff.Clear();
        layer.Blobs[1].MutableDiff.Clear();
        layer.Backward([y], [false], [x]);
        c.AssertDiff(layer.Blobs[0], "grad_weight");
        c.AssertDiff(layer.Blobs[1], "grad_bias");
    }

    [TestCase(true)]
    [TestCase(false)]
    public void Embed_ParamGradient(bool bias)
    {
        Blob x = TestData.Of([3, 1, 3], 0, 4, 2, 2, 1, 0, 3, 3, 4), y = new();
        Layer layer = TestData.SetUp(EmbedDef(bias), [x], [y]);
        Assert.That(y.ShapeArray, Is.EqualTo(new[] { 3, 1, 3, 4 }));
        Assert.That(layer.Blobs, Has.Count.EqualTo(bias ? 2 : 1));
        new GradientChecker().Check(layer, [x], [y], bottomsToCheck: []);
    }

    [Test]
    public void Embed_GradientsAccumulate()
    {
        Blob x = TestData.Of([2], 1, 1), y = new();
        Layer layer = TestData.SetUp(EmbedDef(), [x], [y]);
        layer.Forward([x], [y]);
        y.MutableDiff.Fill(1f);
        layer.Blobs[0].MutableDiff.Fill(10f);
        layer.Backward([y], [false], [x]);
        Assert.That(layer.Blobs[0].Diff[4], Is.EqualTo(12f), "row 1 is used twice on top of the existing 10");
        Assert.That(layer.Blobs[0].Diff[0], Is.EqualTo(10f));
    }

    [TestCase(5f)]
    [TestCase(-1f)]
    [TestCase(1.5f)]
    public void Embed_IndexOutOfRange_IsError(float bad)
    {
        Blob x = TestData.Of([3], 0, bad, 2), y = new();
        Layer layer = TestData.SetUp(EmbedDef(), [x], [y]);
        var ex = Assert.Throws<LayerException>(() => layer.Forward([x], [y]));
        Assert.That(ex!.Message, Does.Contain("embed1").And.Contain("[0, 5)").And.Contain("position 1"));
    }

    [Test]
    public void Embed_MissingDims_AreErrors()
    {
        Blob x = TestData.Of([1], 0);
        Assert.Throws<LayerException>(() => TestData.SetUp(Def("Embed", p => p.EmbedParam = new EmbedParameter { InputDim = 3 }), [x], [new()]));
        Assert.Throws<LayerException>(() => TestData.SetUp(Def("Embed", p => p.EmbedParam = new EmbedParameter { NumOutput = 3 }), [x], [new()]));
    }

    [Test]
    public void Embed_CannotBackpropagateToIndices()
    {
        Blob x = TestData.Of([1], 0), y = new();
        Layer layer = TestData.SetUp(EmbedDef(), [x], [y]);
        layer.Forward([x], [y]);
        Assert.Throws<LayerException>(() => layer.Backward([y], [true], [x]));
        Assert.That(layer.AllowForceBackward(0), Is.False);
    }
}
