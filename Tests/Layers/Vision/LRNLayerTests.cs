using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.Layers.Vision;

/// <summary>LRN: PyTorch references across channels, a hand-derived within-channel reference, gradients, errors.</summary>
public class LRNLayerTests
{
    private static LayerParameter LrnDef(uint size, float alpha, float beta, float k, bool within, string name = "norm")
        => new()
        {
            Name = name, Type = "LRN",
            LrnParam = new LRNParameter
            {
                LocalSize = size, Alpha = alpha, Beta = beta, K = k,
                NormRegion = within ? LRNParameter.Types.NormRegion.WithinChannel : LRNParameter.Types.NormRegion.AcrossChannels,
            },
        };

    [TestCase("lrn_across")]
    [TestCase("lrn_across_size3")]
    public void AcrossChannels_MatchesPyTorch(string fixture)
    {
        LayerFixture f = LayerFixture.Load(fixture);
        Blob x = f.Blob("x"), y = new("y");
        Layer layer = TestData.SetUp(LrnDef((uint)f.Int("local_size"), f.Float("alpha"), f.Float("beta"), f.Float("k"), false), [x], [y]);
        layer.Forward([x], [y]);
        f.AssertClose("y", y.Data, "LRN forward");
        f.Data("dy").CopyTo(y.MutableDiff);
        x.MutableDiff.Fill(float.NaN);
        layer.Backward([y], [true], [x]);
        f.AssertClose("dx", x.Diff, "LRN bottom gradient");
    }

    [Test]
    public void WithinChannel_SinglePixel_IgnoresK()
    {
        var x = new Blob(1, 1, 1, 1);
        x.MutableData[0] = 2f;
        Blob y = new();
        Layer layer = TestData.SetUp(LrnDef(3, 0.9f, 0.5f, 5f, true), [x], [y]);
        layer.Forward([x], [y]);
        // s = 1 + (0.9/9)·2² = 1.4 (the 8 neighbours are padding); y = 2·1.4^(−1/2); k = 5 plays no part.
        Assert.That(y.Data[0], Is.EqualTo(2 / Math.Sqrt(1.4)).Within(1e-6));
    }

    [Test]
    public void WithinChannel_MatchesDirectFormula()
    {
        const int size = 3;
        const float alpha = 0.7f, beta = 0.8f;
        Blob x = TestData.Uniform([2, 3, 4, 5], 41, -2, 2), y = new();
        Layer layer = TestData.SetUp(LrnDef(size, alpha, beta, 3f, true), [x], [y]);
        layer.Forward([x], [y]);
        for (int n = 0; n < 2; n++)
        {
            for (int c = 0; c < 3; c++)
            {
                for (int h = 0; h < 4; h++)
                {
                    for (int w = 0; w < 5; w++)
                    {
                        double sum = 0;
                        for (int hh = h - 1; hh <= h + 1; hh++)
                        {
                            for (int ww = w - 1; ww <= w + 1; ww++)
                            {
                                if (hh >= 0 && hh < 4 && ww >= 0 && ww < 5)
                                {
                                    double v = x.Data[x.Offset(n, c, hh, ww)];
                                    sum += v * v;
                                }
                            }
                        }
                        double expected = x.Data[x.Offset(n, c, h, w)] * Math.Pow(1 + alpha / (size * size) * sum, -beta);
                        Assert.That(y.Data[y.Offset(n, c, h, w)], Is.EqualTo(expected).Within(1e-5));
                    }
                }
            }
        }
    }

    [TestCase(false, 5u)]
    [TestCase(false, 3u)]
    [TestCase(true, 3u)]
    [TestCase(true, 5u)]
    public void Gradient(bool within, uint size)
    {
        Blob x = TestData.Uniform([2, 7, 3, 5], 42, -2, 2), y = new();
        Layer layer = TestData.SetUp(LrnDef(size, 1.3f, 0.75f, 2f, within), [x], [y]);
        new GradientChecker(1e-2, 1e-3).Check(layer, [x], [y]);
    }

    [Test]
    public void EvenSizeOrWrongAxes_Fail()
    {
        Blob x = TestData.Uniform([1, 3, 2, 2], 1);
        Assert.That(() => TestData.SetUp(LrnDef(4, 1, 0.75f, 1, false, "n4"), [x], [new Blob()]),
            Throws.TypeOf<LayerException>().With.Message.Contain("n4").And.Message.Contain("odd"));
        Blob flat = TestData.Uniform([3, 4], 1, name: "feat");
        Assert.That(() => TestData.SetUp(LrnDef(3, 1, 0.75f, 1, false, "n5"), [flat], [new Blob()]),
            Throws.TypeOf<LayerException>().With.Message.Contain("n5").And.Message.Contain("3 4 (12)"));
    }
}
