using Engine.Fillers;
using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;
using static Engine.Tests.Layers.LayerTestKit;

namespace Engine.Tests.Layers.Neuron;

/// <summary>
/// Forward values (against the formulas, evaluated in double) and numerical gradient checks of the element-wise layers.
/// Gradient tolerances: step 1e-2 and threshold 1e-3 (Caffe's defaults). With float32 tops summed in double over ≤ 45
/// elements the objective carries ~1e-6 rounding error, i.e. ~5e-5 after dividing by 2h, and the central difference's
/// truncation error h²·f'''/6 stays below ~1e-4 for these smooth functions at |x| ≤ 3; both are well under 1e-3.
/// Non-smooth points (ReLU-like 0, AbsVal 0, Clip's bounds) are kept at least 0.03 away, three steps, by
/// <see cref="LayerTestKit.AwayFrom"/> or the checker's kink range.
/// </summary>
public class NeuronLayerTests
{
    private static readonly int[] Shape = [3, 3, 5];

    private static Blob Input(ulong seed, float min = -3f, float max = 3f) => TestData.Uniform(Shape, seed, min, max);

    private static void CheckForward(Layer layer, Blob x, Blob y, Func<double, double> f, double tolerance = 1e-5)
    {
        layer.Forward([x], [y]);
        Assert.That(y.ShapeArray, Is.EqualTo(x.ShapeArray));
        for (int i = 0; i < x.Count; i++)
        {
            double e = f(x.Data[i]);
            Assert.That(y.Data[i], Is.EqualTo(e).Within(tolerance * Math.Max(1, Math.Abs(e))), $"y[{i}] for x = {x.Data[i]}");
        }
    }

    [TestCase(false)]
    [TestCase(true)]
    public void PReLU_ForwardAndGradient(bool shared)
    {
        Blob x = Input(1), y = new();
        Layer layer = TestData.SetUp(Def("PReLU", p => p.PreluParam = new PReLUParameter
        {
            ChannelShared = shared, Filler = Filler.Uniform(0.1f, 0.6f),
        }), [x], [y]);
        Assert.That(layer.Blobs[0].ShapeArray, Is.EqualTo(shared ? Array.Empty<int>() : new[] { 3 }));
        ReadOnlySpan<float> a = layer.Blobs[0].Data;
        float[] slopes = a.ToArray();
        layer.Forward([x], [y]);
        for (int i = 0; i < x.Count; i++)
        {
            float slope = shared ? slopes[0] : slopes[i / 5 % 3];
            float v = x.Data[i];
            Assert.That(y.Data[i], Is.EqualTo(v > 0 ? v : v * slope).Within(1e-6));
        }
        new GradientChecker(1e-2, 1e-3, kink: 0, kinkRange: 0.03).Check(layer, [x], [y]);
    }

    [Test]
    public void PReLU_DefaultSlopeIsAQuarter()
    {
        Blob x = Input(2), y = new();
        Layer layer = TestData.SetUp(Def("PReLU"), [x], [y]);
        Assert.That(layer.Blobs[0].Data.ToArray(), Is.EqualTo(new[] { 0.25f, 0.25f, 0.25f }));
    }

    [Test]
    public void PReLU_OneAxisBottom_NamesLayerAndShape()
    {
        Blob x = TestData.Uniform([7], 3), y = new();
        var ex = Assert.Throws<LayerException>(() => TestData.SetUp(Def("PReLU", p => p.Name = "prelu7"), [x], [y]));
        Assert.That(ex!.Message, Does.Contain("prelu7").And.Contain(x.ShapeString));
    }

    [Test]
    public void PReLU_ChannelCountChange_NamesBothShapes()
    {
        Blob x = Input(4), y = new();
        Layer layer = TestData.SetUp(Def("PReLU"), [x], [y]);
        x.Reshape(3, 4, 5);
        var ex = Assert.Throws<LayerException>(() => layer.Forward([x], [y]));
        Assert.That(ex!.Message, Does.Contain("prelu").And.Contain(x.ShapeString).And.Contain("3"));
    }

    [TestCase(1f)]
    [TestCase(0.4f)]
    public void ELU_ForwardAndGradient(float alpha)
    {
        Blob x = Input(5), y = new();
        Layer layer = TestData.SetUp(Def("ELU", p => p.EluParam = new ELUParameter { Alpha = alpha }), [x], [y]);
        CheckForward(layer, x, y, v => v > 0 ? v : alpha * (Math.Exp(v) - 1));
        new GradientChecker(1e-2, 1e-3, kink: 0, kinkRange: 0.03).Check(layer, [x], [y]);
    }

    [Test]
    public void AbsVal_ForwardAndGradient()
    {
        Blob x = Input(6), y = new();
        Layer layer = TestData.SetUp(Def("AbsVal"), [x], [y]);
        CheckForward(layer, x, y, Math.Abs);
        new GradientChecker(1e-2, 1e-3, kink: 0, kinkRange: 0.03).Check(layer, [x], [y]);
    }

    [Test]
    public void AbsVal_SubgradientAtZeroIsZero()
    {
        Blob x = TestData.Of([1, 3], -2f, 0f, 2f), y = new();
        Layer layer = TestData.SetUp(Def("AbsVal"), [x], [y]);
        layer.Forward([x], [y]);
        y.MutableDiff.Fill(1f);
        layer.Backward([y], [true], [x]);
        Assert.That(x.Diff.ToArray(), Is.EqualTo(new[] { -1f, 0f, 1f }));
    }

    [Test]
    public void BNLL_ForwardAndGradient()
    {
        Blob x = Input(7, -5f, 5f), y = new();
        Layer layer = TestData.SetUp(Def("BNLL"), [x], [y]);
        CheckForward(layer, x, y, v => Math.Log(1 + Math.Exp(v)));
        new GradientChecker().Check(layer, [x], [y]);
    }

    [Test]
    public void BNLL_LargeInputsStayFinite()
    {
        Blob x = TestData.Of([1, 4], -200f, -90f, 90f, 200f), y = new();
        Layer layer = TestData.SetUp(Def("BNLL"), [x], [y]);
        layer.Forward([x], [y]);
        Assert.That(y.Data.ToArray(), Is.EqualTo(new[] { 0f, 0f, 90f, 200f }).Within(1e-5));
    }

    [TestCase(0.37f, 0.83f, 2.4f)]
    [TestCase(2f, -0.6f, 0.5f)]
    [TestCase(1f, 1.5f, -0.3f)]
    [TestCase(-1.3f, 0.5f, 2f)]
    [TestCase(3f, 0.7f, 0f)]
    public void Power_ForwardAndGradient(float power, float scale, float shift)
    {
        Blob x = Input(8, -1f, 1f), y = new();
        Layer layer = TestData.SetUp(Def("Power", p => p.PowerParam = new PowerParameter { Power = power, Scale = scale, Shift = shift }), [x], [y]);
        CheckForward(layer, x, y, v => Math.Pow(shift + scale * v, power));
        new GradientChecker().Check(layer, [x], [y]);
    }

    [TestCase(0f, 0.5f, 1.2f)]
    [TestCase(2.5f, 0f, 1.7f)]
    public void Power_ConstantCases(float power, float scale, float shift)
    {
        Blob x = Input(9, -1f, 1f), y = new();
        Layer layer = TestData.SetUp(Def("Power", p => p.PowerParam = new PowerParameter { Power = power, Scale = scale, Shift = shift }), [x], [y]);
        double constant = power == 0 ? 1.0 : Math.Pow(shift, power);
        CheckForward(layer, x, y, _ => constant);
        SeedTopDiff(y, 3);
        layer.Backward([y], [true], [x]);
        Assert.That(x.Diff.ToArray(), Is.All.EqualTo(0f));
    }

    [TestCase(-1f, 1f, 0f)]
    [TestCase(2f, 0.5f, 0.3f)]
    [TestCase(0.5f, -1.2f, -0.4f)]
    public void Exp_ForwardAndGradient(float @base, float scale, float shift)
    {
        Blob x = Input(10, -1.5f, 1.5f), y = new();
        Layer layer = TestData.SetUp(Def("Exp", p => p.ExpParam = new ExpParameter { Base = @base, Scale = scale, Shift = shift }), [x], [y]);
        double b = @base == -1f ? Math.E : @base;
        CheckForward(layer, x, y, v => Math.Pow(b, shift + scale * v));
        new GradientChecker().Check(layer, [x], [y]);
    }

    [TestCase(-1f, 1f, 2.5f)]
    [TestCase(2f, 0.5f, 1.2f)]
    [TestCase(10f, -2f, 3.5f)]
    public void Log_ForwardAndGradient(float @base, float scale, float shift)
    {
        Blob x = Input(11, -1f, 1f), y = new();
        Layer layer = TestData.SetUp(Def("Log", p => p.LogParam = new LogParameter { Base = @base, Scale = scale, Shift = shift }), [x], [y]);
        double b = @base == -1f ? Math.E : @base;
        CheckForward(layer, x, y, v => Math.Log(shift + scale * v) / Math.Log(b));
        new GradientChecker().Check(layer, [x], [y]);
    }

    [TestCase(0f)]
    [TestCase(0.3f)]
    public void Threshold_IsStrict(float threshold)
    {
        Blob x = Input(12, -1f, 1f), y = new();
        x.MutableData[4] = threshold; // exactly at the threshold ⇒ 0
        Layer layer = TestData.SetUp(Def("Threshold", p => p.ThresholdParam = new ThresholdParameter { Threshold = threshold }), [x], [y]);
        CheckForward(layer, x, y, v => v > threshold ? 1 : 0);
        Assert.That(y.Data[4], Is.EqualTo(0f));
    }

    [Test]
    public void Threshold_HasNoBackward()
    {
        Blob x = Input(13), y = new();
        Layer layer = TestData.SetUp(Def("Threshold"), [x], [y]);
        layer.Forward([x], [y]);
        Assert.Throws<NotSupportedException>(() => layer.Backward([y], [true], [x]));
    }

    [Test]
    public void Clip_ForwardAndGradient()
    {
        Blob x = Input(14, -1f, 1f), y = new();
        AwayFrom(x, 0.03f, -0.4f, 0.6f);
        Layer layer = TestData.SetUp(Def("Clip", p => p.ClipParam = new ClipParameter { Min = -0.4f, Max = 0.6f }), [x], [y]);
        CheckForward(layer, x, y, v => Math.Min(Math.Max(v, -0.4), 0.6));
        new GradientChecker().Check(layer, [x], [y]);
    }

    [Test]
    public void Clip_WithoutMax_NamesTheLayer()
    {
        Blob x = Input(15), y = new();
        var ex = Assert.Throws<LayerException>(() => TestData.SetUp(Def("Clip", p =>
        {
            p.Name = "clip3";
            p.ClipParam = new ClipParameter { Min = 0f };
        }), [x], [y]));
        Assert.That(ex!.Message, Does.Contain("clip3").And.Contain("max"));
    }

    [TestCase(1f)]
    [TestCase(1.7f)]
    [TestCase(0.5f)]
    public void Swish_ForwardAndGradient(float beta)
    {
        Blob x = Input(16), y = new();
        Layer layer = TestData.SetUp(Def("Swish", p => p.SwishParam = new SwishParameter { Beta = beta }), [x], [y]);
        CheckForward(layer, x, y, v => v / (1 + Math.Exp(-beta * v)));
        new GradientChecker().Check(layer, [x], [y]);
    }

    [TestCase(false)]
    [TestCase(true)]
    public void GELU_ForwardAndGradient(bool tanh)
    {
        Blob x = Input(17), y = new();
        Layer layer = TestData.SetUp(Def("GELU", p => p.GeluParam = new GELUParameter { ApproximateTanh = tanh }), [x], [y]);
        layer.Forward([x], [y]);
        // Φ by numerical integration of the density (Simpson, 2000 panels from −10): independent of the layer's erf.
        for (int i = 0; i < x.Count; i++)
        {
            double v = x.Data[i];
            double expected = tanh
                ? 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)))
                : v * NormalCdf(v);
            Assert.That(y.Data[i], Is.EqualTo(expected).Within(1e-5), $"y[{i}] for x = {v}");
        }
        new GradientChecker().Check(layer, [x], [y]);
    }

    [Test]
    public void GELU_ExactAndTanhFormsDifferSlightly()
    {
        Blob x = TestData.Of([1, 1], 1.5f), yExact = new(), yTanh = new();
        Layer exact = TestData.SetUp(Def("GELU"), [x], [yExact]);
        Layer approx = TestData.SetUp(Def("GELU", p => p.GeluParam = new GELUParameter { ApproximateTanh = true }), [x], [yTanh]);
        exact.Forward([x], [yExact]);
        approx.Forward([x], [yTanh]);
        double difference = Math.Abs(yExact.Data[0] - yTanh.Data[0]);
        Assert.That(difference, Is.GreaterThan(1e-5).And.LessThan(1e-3));
    }

    private static double NormalCdf(double x)
    {
        const int panels = 2000;
        double a = -10, h = (x - a) / panels, sum = 0;
        for (int k = 0; k <= panels; k++)
        {
            double t = a + k * h;
            double w = k == 0 || k == panels ? 1 : k % 2 == 1 ? 4 : 2;
            sum += w * Math.Exp(-0.5 * t * t);
        }
        return sum * h / 3 / Math.Sqrt(2 * Math.PI);
    }

    private static IEnumerable<TestCaseData> InPlaceCases()
    {
        yield return new TestCaseData(Def("PReLU", p => p.PreluParam = new PReLUParameter { Filler = Filler.Uniform(0.1f, 0.5f) })).SetArgDisplayNames("PReLU");
        yield return new TestCaseData(Def("ELU", p => p.EluParam = new ELUParameter { Alpha = 0.7f })).SetArgDisplayNames("ELU");
        yield return new TestCaseData(Def("AbsVal")).SetArgDisplayNames("AbsVal");
        yield return new TestCaseData(Def("BNLL")).SetArgDisplayNames("BNLL");
        yield return new TestCaseData(Def("Power", p => p.PowerParam = new PowerParameter { Power = 3f, Scale = 0.5f, Shift = 0.1f })).SetArgDisplayNames("Power");
        yield return new TestCaseData(Def("Exp", p => p.ExpParam = new ExpParameter { Base = 2f, Scale = 0.5f })).SetArgDisplayNames("Exp");
        yield return new TestCaseData(Def("Log", p => p.LogParam = new LogParameter { Shift = 4f })).SetArgDisplayNames("Log");
        yield return new TestCaseData(Def("Clip", p => p.ClipParam = new ClipParameter { Min = -1f, Max = 0.5f })).SetArgDisplayNames("Clip");
        yield return new TestCaseData(Def("Swish")).SetArgDisplayNames("Swish");
        yield return new TestCaseData(Def("GELU")).SetArgDisplayNames("GELU");
    }

    [TestCaseSource(nameof(InPlaceCases))]
    public void InPlace_MatchesOutOfPlace(LayerParameter def)
    {
        Blob x = Input(18), y = new();
        Layer outOfPlace = TestData.SetUp(def.Clone(), [x], [y], seed: 5);
        ForwardBackward(outOfPlace, [x], [y], seed: 6);

        Blob shared = Input(18);
        Layer inPlace = TestData.SetUp(def.Clone(), [shared], [shared], seed: 5);
        inPlace.Forward([shared], [shared]);
        SeedTopDiff(shared, 6);
        inPlace.Backward([shared], [true], [shared]);

        Assert.That(shared.Data.ToArray(), Is.EqualTo(y.Data.ToArray()), "top values");
        Assert.That(shared.Diff.ToArray(), Is.EqualTo(x.Diff.ToArray()), "bottom gradient");
        for (int k = 0; k < outOfPlace.Blobs.Count; k++)
        {
            Assert.That(inPlace.Blobs[k].Diff.ToArray(), Is.EqualTo(outOfPlace.Blobs[k].Diff.ToArray()), $"param {k} gradient");
        }
    }
}
