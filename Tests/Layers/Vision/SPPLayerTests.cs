using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.Layers.Vision;

/// <summary>SPP: pyramid bins by hand, concatenated layout, gradients.</summary>
public class SPPLayerTests
{
    private static LayerParameter SppDef(uint height, SPPParameter.Types.PoolMethod method, string name = "spp")
        => new() { Name = name, Type = "SPP", SppParam = new SPPParameter { PyramidHeight = height, Pool = method } };

    [Test]
    public void Max_TwoLevels_GlobalThenQuadrants()
    {
        Blob x = TestData.Uniform([2, 3, 8, 8], 101), y = new();
        Layer layer = TestData.SetUp(SppDef(2, SPPParameter.Types.PoolMethod.Max), [x], [y]);
        Assert.That(y.ShapeArray, Is.EqualTo(new[] { 2, 3 * (1 + 4) }));
        layer.Forward([x], [y]);
        for (int n = 0; n < 2; n++)
        {
            for (int c = 0; c < 3; c++)
            {
                float global = float.MinValue;
                var quadrant = new float[4];
                Array.Fill(quadrant, float.MinValue);
                for (int h = 0; h < 8; h++)
                {
                    for (int w = 0; w < 8; w++)
                    {
                        float v = x.Data[x.Offset(n, c, h, w)];
                        global = Math.Max(global, v);
                        int q = h / 4 * 2 + w / 4;
                        quadrant[q] = Math.Max(quadrant[q], v);
                    }
                }
                Assert.That(y.Data[n * 15 + c], Is.EqualTo(global));
                for (int q = 0; q < 4; q++)
                {
                    Assert.That(y.Data[n * 15 + 3 + c * 4 + q], Is.EqualTo(quadrant[q]));
                }
            }
        }
    }

    [Test]
    public void SingleLevel_IsGlobalPooling()
    {
        Blob x = TestData.Uniform([2, 3, 5, 4], 102), y = new();
        Layer layer = TestData.SetUp(SppDef(1, SPPParameter.Types.PoolMethod.Ave), [x], [y]);
        Assert.That(y.ShapeArray, Is.EqualTo(new[] { 2, 3, 1, 1 }));
        layer.Forward([x], [y]);
        Assert.That(y.Data[4], Is.EqualTo(x.Data.Slice(4 * 20, 20).ToArray().Average()).Within(1e-5));
    }

    [TestCase(SPPParameter.Types.PoolMethod.Ave, 3u)]
    [TestCase(SPPParameter.Types.PoolMethod.Max, 2u)]
    public void Gradient(SPPParameter.Types.PoolMethod method, uint height)
    {
        Blob x = TestData.Uniform([2, 2, 9, 7], 103), y = new();
        if (method == SPPParameter.Types.PoolMethod.Max)
        {
            // Values 0.05 apart: a ±0.01 step never changes which element wins.
            int[] order = Enumerable.Range(0, x.Count).OrderBy(i => (i * 7919) % x.Count).ToArray();
            for (int i = 0; i < x.Count; i++)
            {
                x.MutableData[i] = order[i] * 0.05f - 6f;
            }
        }
        Layer layer = TestData.SetUp(SppDef(height, method), [x], [y]);
        new GradientChecker(1e-2, 1e-3).Check(layer, [x], [y]);
    }

    [Test]
    public void LevelTooFineForTheInput_NamesLayerAndShape()
    {
        Blob x = TestData.Uniform([1, 1, 5, 5], 1, name: "small");
        var ex = Assert.Throws<LayerException>(() => TestData.SetUp(SppDef(3, SPPParameter.Types.PoolMethod.Max, "spp3"), [x], [new Blob()]));
        Assert.That(ex!.Message, Does.Contain("spp3").And.Contain("1 1 5 5 (25)"));
    }
}
