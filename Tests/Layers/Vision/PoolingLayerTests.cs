using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.Layers.Vision;

/// <summary>Pooling: PyTorch references (floor mode), Caffe's ceil/last-window/divisor rules by hand, gradients, errors.</summary>
public class PoolingLayerTests
{
    private static LayerParameter PoolDef(PoolingParameter.Types.PoolMethod method, uint kernel, uint stride, uint pad,
        bool floor = false, string name = "pool")
    {
        var p = new PoolingParameter { Pool = method, KernelSize = kernel, Stride = stride, Pad = pad };
        if (floor)
        {
            p.RoundMode = PoolingParameter.Types.RoundMode.Floor;
        }
        return new LayerParameter { Name = name, Type = "Pooling", PoolingParam = p };
    }

    private static PoolingParameter.Types.PoolMethod Max => PoolingParameter.Types.PoolMethod.Max;

    private static PoolingParameter.Types.PoolMethod Ave => PoolingParameter.Types.PoolMethod.Ave;

    /// <summary>x[n, c, h, w] = h·W + w: every window's maximum is its bottom-right pixel and means are easy by hand.</summary>
    private static Blob Ramp(int height, int width)
    {
        var x = new Blob(1, 1, height, width);
        for (int i = 0; i < x.Count; i++)
        {
            x.MutableData[i] = i;
        }
        return x;
    }

    [TestCase("pool_max_floor")]
    [TestCase("pool_max_rect")]
    [TestCase("pool_ave_floor")]
    [TestCase("pool_ave_rect")]
    public void FloorMode_MatchesPyTorch(string fixture)
    {
        LayerFixture f = LayerFixture.Load(fixture);
        uint[] k = f.UInts("kernel"), s = f.UInts("stride"), pad = f.UInts("pad");
        var p = new PoolingParameter
        {
            Pool = f.String("pool") == "MAX" ? Max : Ave, KernelH = k[0], KernelW = k[1], StrideH = s[0], StrideW = s[1],
            PadH = pad[0], PadW = pad[1], RoundMode = PoolingParameter.Types.RoundMode.Floor,
        };
        bool max = f.String("pool") == "MAX";
        Blob x = f.Blob("x"), y = new("y"), mask = new("mask");
        Blob[] tops = max ? [y, mask] : [y];
        Layer layer = TestData.SetUp(new LayerParameter { Name = "pool", Type = "Pooling", PoolingParam = p }, [x], tops);
        Assert.That(y.ShapeArray, Is.EqualTo(f.Shape("y")));
        layer.Forward([x], tops);
        f.AssertClose("y", y.Data, "pooling forward");
        if (max)
        {
            f.AssertClose("mask", mask.Data, "argmax mask", 0);
        }
        f.Data("dy").CopyTo(y.MutableDiff);
        x.MutableDiff.Fill(float.NaN);
        layer.Backward(tops, [true], [x]);
        f.AssertClose("dx", x.Diff, "pooling bottom gradient");
    }

    [Test]
    public void Max_CeilRounding_NoPad_KeepsOverhangingWindow()
    {
        Blob x = Ramp(6, 6), y = new(), mask = new();
        Layer layer = TestData.SetUp(PoolDef(Max, 3, 2, 0), [x], [y, mask]);
        // ceil((6 − 3)/2) + 1 = 3 (floor would give 2); windows start at rows/cols 0, 2, 4 (the last is clipped to 4..5).
        Assert.That(y.ShapeArray, Is.EqualTo(new[] { 1, 1, 3, 3 }));
        layer.Forward([x], [y, mask]);
        int[] last = [2, 4, 5];
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                Assert.That(y.Data[i * 3 + j], Is.EqualTo(last[i] * 6 + last[j]));
                Assert.That(mask.Data[i * 3 + j], Is.EqualTo(last[i] * 6 + last[j]));
            }
        }
    }

    [Test]
    public void Ave_CeilOverhang_IsNotInTheDivisor()
    {
        Blob x = Ramp(6, 6), y = new();
        Layer layer = TestData.SetUp(PoolDef(Ave, 3, 2, 0), [x], [y]);
        layer.Forward([x], [y]);
        Assert.That(y.ShapeArray, Is.EqualTo(new[] { 1, 1, 3, 3 }));
        Assert.That(y.Data[0], Is.EqualTo(7f).Within(1e-5));           // mean of rows 0..2, cols 0..2: centre 1·6 + 1
        Assert.That(y.Data[2], Is.EqualTo(10.5f).Within(1e-5));        // rows 0..2, cols 4..5: 6 + 4.5, divisor 3·2
        Assert.That(y.Data[8], Is.EqualTo((28f + 29 + 34 + 35) / 4).Within(1e-5)); // rows/cols 4..5, divisor 2·2, not 3·3
    }

    [Test]
    public void Ave_Padding_IsInTheDivisor_OverhangIsNot()
    {
        Blob x = Ramp(6, 6), y = new();
        Layer layer = TestData.SetUp(PoolDef(Ave, 3, 2, 1), [x], [y]);
        // ceil((6 + 2 − 3)/2) + 1 = 4, and the last window (start 5) begins inside 6 + 1, so it stays.
        Assert.That(y.ShapeArray, Is.EqualTo(new[] { 1, 1, 4, 4 }));
        layer.Forward([x], [y]);
        Assert.That(y.Data[0], Is.EqualTo((0f + 1 + 6 + 7) / 9).Within(1e-5)); // window −1..1: the pad row/col count
        Assert.That(y.Data[15], Is.EqualTo(35f / 4).Within(1e-5));             // window 5..7 → 5..6 in the padded extent: 2·2
    }

    [Test]
    public void CeilRounding_WithPad_DropsWindowStartingInThePad()
    {
        Blob x = Ramp(5, 5), y = new(), mask = new();
        Layer max = TestData.SetUp(PoolDef(Max, 2, 2, 1), [x], [y, mask]);
        // ceil((5 + 2 − 2)/2) + 1 = 4, but window 3 would start at 3·2 − 1 = 5 ≥ 5 (in the pad): 3 windows.
        Assert.That(y.ShapeArray, Is.EqualTo(new[] { 1, 1, 3, 3 }));
        max.Forward([x], [y, mask]);
        int[] last = [0, 2, 4];
        for (int i = 0; i < 9; i++)
        {
            Assert.That(y.Data[i], Is.EqualTo(last[i / 3] * 5 + last[i % 3]));
        }
        Blob ya = new();
        Layer ave = TestData.SetUp(PoolDef(Ave, 2, 2, 1), [x], [ya]);
        ave.Forward([x], [ya]);
        Assert.That(ya.Data[0], Is.EqualTo(0f));
        Assert.That(ya.Data[1], Is.EqualTo((1f + 2) / 4).Within(1e-6));
        Assert.That(ya.Data[4], Is.EqualTo((6f + 7 + 11 + 12) / 4).Within(1e-6));
        Assert.That(ya.Data[8], Is.EqualTo((18f + 19 + 23 + 24) / 4).Within(1e-6));
    }

    [Test]
    public void FloorRounding_DropsThePartialWindow()
    {
        Blob x = Ramp(6, 6), y = new();
        TestData.SetUp(PoolDef(Max, 3, 2, 0, floor: true), [x], [y]);
        Assert.That(y.ShapeArray, Is.EqualTo(new[] { 1, 1, 2, 2 }));
    }

    [TestCase(true)]
    [TestCase(false)]
    public void GlobalPooling_ReducesEachPlane(bool max)
    {
        Blob x = TestData.Uniform([2, 3, 5, 4], 31), y = new();
        var def = new LayerParameter { Name = "gp", Type = "Pooling", PoolingParam = new PoolingParameter { Pool = max ? Max : Ave, GlobalPooling = true } };
        Layer layer = TestData.SetUp(def, [x], [y]);
        Assert.That(y.ShapeArray, Is.EqualTo(new[] { 2, 3, 1, 1 }));
        layer.Forward([x], [y]);
        for (int pl = 0; pl < 6; pl++)
        {
            ReadOnlySpan<float> plane = x.Data.Slice(pl * 20, 20);
            double expected = max ? plane.ToArray().Max() : plane.ToArray().Average();
            Assert.That(y.Data[pl], Is.EqualTo(expected).Within(1e-5));
        }
        new GradientChecker(1e-2, 1e-3).Check(layer, [x], [y]);
    }

    /// <summary>Distinct values at least 0.05 apart, so a ±0.01 step never changes which element is the maximum.</summary>
    private static Blob Separated(int[] shape, ulong seed)
    {
        var x = new Blob(shape);
        int[] order = Enumerable.Range(0, x.Count).ToArray();
        var rng = new EngineRandom(seed);
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = rng.NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        for (int i = 0; i < x.Count; i++)
        {
            x.MutableData[i] = (order[i] - x.Count / 2) * 0.05f;
        }
        return x;
    }

    [TestCase(3u, 2u, 1u, false)]
    [TestCase(2u, 2u, 1u, false)]
    [TestCase(3u, 2u, 0u, true)]
    public void Max_Gradient(uint kernel, uint stride, uint pad, bool floor)
    {
        Blob x = Separated([2, 2, 7, 5], 32), y = new();
        Layer layer = TestData.SetUp(PoolDef(Max, kernel, stride, pad, floor), [x], [y]);
        new GradientChecker(1e-2, 1e-3).Check(layer, [x], [y]);
    }

    [Test]
    public void Max_Gradient_RectangularKernel_WithMaskTop()
    {
        var p = new PoolingParameter { Pool = Max, KernelH = 3, KernelW = 2, StrideH = 2, StrideW = 1, PadH = 1, PadW = 0 };
        Blob x = Separated([1, 3, 6, 5], 33), y = new(), mask = new();
        Layer layer = TestData.SetUp(new LayerParameter { Name = "pool", Type = "Pooling", PoolingParam = p }, [x], [y, mask]);
        Assert.That(mask.ShapeArray, Is.EqualTo(y.ShapeArray));
        new GradientChecker(1e-2, 1e-3).Check(layer, [x], [y, mask]);
    }

    [TestCase(3u, 2u, 1u, false)]
    [TestCase(3u, 2u, 0u, false)]
    [TestCase(2u, 3u, 1u, false)]
    [TestCase(3u, 2u, 1u, true)]
    public void Ave_Gradient(uint kernel, uint stride, uint pad, bool floor)
    {
        Blob x = TestData.Uniform([2, 2, 7, 5], 34), y = new();
        Layer layer = TestData.SetUp(PoolDef(Ave, kernel, stride, pad, floor), [x], [y]);
        new GradientChecker(1e-2, 1e-3).Check(layer, [x], [y]);
    }

    [Test]
    public void Stochastic_IsRejectedOnCpu()
    {
        Blob x = TestData.Uniform([1, 1, 4, 4], 1);
        var ex = Assert.Throws<LayerException>(() => TestData.SetUp(PoolDef(PoolingParameter.Types.PoolMethod.Stochastic, 2, 2, 0, name: "sp"), [x], [new Blob()]));
        Assert.That(ex!.Message, Does.Contain("sp").And.Contain("STOCHASTIC").And.Contain("CPU"));
    }

    [Test]
    public void BadShapesAndParams_NameTheLayer()
    {
        Blob x3 = TestData.Uniform([1, 4, 4], 1, name: "flat");
        Assert.That(() => TestData.SetUp(PoolDef(Max, 2, 2, 0, name: "p1"), [x3], [new Blob()]),
            Throws.TypeOf<LayerException>().With.Message.Contain("p1").And.Message.Contain("1 4 4 (16)"));
        Blob x = TestData.Uniform([1, 1, 3, 3], 1, name: "tiny");
        Assert.That(() => TestData.SetUp(PoolDef(Max, 5, 1, 0, name: "p2"), [x], [new Blob()]),
            Throws.TypeOf<LayerException>().With.Message.Contain("p2").And.Message.Contain("1 1 3 3 (9)"));
        Assert.That(() => TestData.SetUp(PoolDef(Ave, 2, 1, 2, name: "p3"), [x], [new Blob()]),
            Throws.TypeOf<LayerException>().With.Message.Contain("pad"));
        var global = new LayerParameter { Name = "p4", Type = "Pooling", PoolingParam = new PoolingParameter { GlobalPooling = true, KernelSize = 2 } };
        Assert.That(() => TestData.SetUp(global, [x], [new Blob()]), Throws.TypeOf<LayerException>().With.Message.Contain("global_pooling"));
        var none = new LayerParameter { Name = "p5", Type = "Pooling", PoolingParam = new PoolingParameter() };
        Assert.That(() => TestData.SetUp(none, [x], [new Blob()]), Throws.TypeOf<LayerException>().With.Message.Contain("kernel_size"));
    }

    [Test]
    public void Max2x2Stride2_MatchesABruteForceScanWithTies()
    {
        // LeNet's pooling takes a dedicated path; values on a coarse grid make ties, where the first in scan order must win.
        // Width 7 leaves a column outside every window (floor mode), as the general path does.
        var x = new Blob(3, 2, 6, 7);
        Span<float> xd = x.MutableData;
        ReadOnlySpan<float> noise = TestData.Uniform([x.Count], 21).Data;
        for (int i = 0; i < xd.Length; i++)
        {
            xd[i] = MathF.Round(noise[i] * 3f);
        }
        Blob y = new("y"), mask = new("mask");
        Layer layer = TestData.SetUp(PoolDef(Max, 2, 2, 0, floor: true), [x], [y, mask]);
        layer.Forward([x], [y, mask]);
        Assert.That(y.ShapeArray, Is.EqualTo(new[] { 3, 2, 3, 3 }));
        int ties = 0;
        for (int plane = 0; plane < 6; plane++)
        {
            for (int oh = 0; oh < 3; oh++)
            {
                for (int ow = 0; ow < 3; ow++)
                {
                    float best = float.NegativeInfinity;
                    int index = -1, equal = 0;
                    for (int h = 2 * oh; h < 2 * oh + 2; h++)
                    {
                        for (int w = 2 * ow; w < 2 * ow + 2; w++)
                        {
                            float v = xd[plane * 42 + h * 7 + w];
                            if (v == best)
                            {
                                equal++;
                            }
                            if (v > best)
                            {
                                best = v;
                                index = h * 7 + w;
                                equal = 0;
                            }
                        }
                    }
                    ties += equal > 0 ? 1 : 0;
                    int o = plane * 9 + oh * 3 + ow;
                    Assert.That(y.Data[o], Is.EqualTo(best), $"max of window {o}");
                    Assert.That(mask.Data[o], Is.EqualTo((float)index), $"argmax of window {o}");
                }
            }
        }
        Assert.That(ties, Is.GreaterThan(0), "the input must contain tied maxima to test the tie rule");
    }
}
