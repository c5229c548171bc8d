using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;
using static Engine.Tests.Layers.Common.CommonFixtures;

namespace Engine.Tests.Layers.Common;

/// <summary>BatchNorm: training normalisation against PyTorch, Caffe's running sums by hand, global stats, lr_mult 0.</summary>
public class BatchNormLayerTests
{
    private static LayerParameter BatchNormDef(Phase phase, Action<BatchNormParameter>? configure = null) => Def("BatchNorm", p =>
    {
        p.Phase = phase;
        if (configure is not null)
        {
            p.BatchNormParam = new BatchNormParameter();
            configure(p.BatchNormParam);
        }
    });

    [TestCase("batchnorm_4d")]
    [TestCase("batchnorm_2d")]
    public void BatchNorm_Train_MatchesFixture(string name)
    {
        FixtureCase c = Case(name);
        Blob x = c.Blob("x"), y = new("y");
        Layer layer = TestData.SetUp(BatchNormDef(Phase.Train), [x], [y]);
        layer.Forward([x], [y]);
        c.AssertData(y, "y");
        c.SetDiff(y, "dy");
        layer.Backward([y], [true], [x]);
        c.AssertDiff(x, "grad_x");
    }

    [Test]
    public void BatchNorm_RunningSums_AreCaffes()
    {
        const float lambda = 0.9f, eps = 1e-3f;
        Blob x1 = TestData.Uniform([3, 2, 2], 21, -1, 2), x2 = TestData.Uniform([3, 2, 2], 22, 0, 4), y = new();
        Layer layer = TestData.SetUp(BatchNormDef(Phase.Train, p => { p.MovingAverageFraction = lambda; p.Eps = eps; }), [x1], [y]);
        Assert.That(layer.Blobs.Select(b => b.ShapeArray), Is.EqualTo(new[] { new[] { 2 }, [2], [1] }));
        layer.Forward([x1], [y]);
        layer.Forward([x2], [y]);

        // Per channel: m = 3·2 = 6 values; the stored variance is the unbiased one (×6/5).
        (double Mean, double Var) Stats(Blob x, int c)
        {
            double[] v = Enumerable.Range(0, 3).SelectMany(n => new double[] { x.Data[(n * 2 + c) * 2], x.Data[(n * 2 + c) * 2 + 1] }).ToArray();
            double mean = v.Average();
            return (mean, v.Sum(a => (a - mean) * (a - mean)) / v.Length);
        }
        Assert.That(layer.Blobs[2].Data[0], Is.EqualTo(lambda * 1 + 1).Within(1e-6), "S = λ(λ·0 + 1) + 1");
        for (int c = 0; c < 2; c++)
        {
            var (m1, v1) = Stats(x1, c);
            var (m2, v2) = Stats(x2, c);
            Assert.That(layer.Blobs[0].Data[c], Is.EqualTo(lambda * m1 + m2).Within(1e-5));
            Assert.That(layer.Blobs[1].Data[c], Is.EqualTo(lambda * v1 * 6 / 5 + v2 * 6 / 5).Within(1e-5));
        }

        // A TEST-phase layer with these blobs uses μ = M/S, σ² = V/S.
        Blob t = TestData.Uniform([2, 2, 3], 23), ty = new();
        Layer test = TestData.SetUp(BatchNormDef(Phase.Test, p => p.Eps = eps), [t], [ty]);
        Assert.That(((Engine.Layers.BatchNormLayer)test).UseGlobalStats, Is.True);
        for (int k = 0; k < 3; k++)
        {
            layer.Blobs[k].Data.CopyTo(test.Blobs[k].MutableData);
        }
        test.Forward([t], [ty]);
        float s = layer.Blobs[2].Data[0];
        for (int n = 0; n < 2; n++)
        {
            for (int c = 0; c < 2; c++)
            {
                double mean = layer.Blobs[0].Data[c] / s, variance = layer.Blobs[1].Data[c] / s;
                for (int i = 0; i < 3; i++)
                {
                    int idx = (n * 2 + c) * 3 + i;
                    Assert.That(ty.Data[idx], Is.EqualTo((t.Data[idx] - mean) / Math.Sqrt(variance + eps)).Within(1e-5));
                }
            }
        }
        Assert.That(test.Blobs[2].Data[0], Is.EqualTo(s), "global stats are not updated");
    }

    [Test]
    public void BatchNorm_GlobalStatsWithZeroScale_DividesBySqrtEps()
    {
        Blob x = TestData.Uniform([2, 3], 24), y = new();
        Layer layer = TestData.SetUp(BatchNormDef(Phase.Train, p => p.UseGlobalStats = true), [x], [y]);
        layer.Forward([x], [y]);
        for (int i = 0; i < x.Count; i++)
        {
            Assert.That(y.Data[i], Is.EqualTo(x.Data[i] / Math.Sqrt(1e-5)).Within(1e-3));
        }
    }

    [Test]
    public void BatchNorm_SingleValuePerChannel_StoresBiasedVariance()
    {
        Blob x = TestData.Of([1, 2], 3, 4), y = new();
        Layer layer = TestData.SetUp(BatchNormDef(Phase.Train), [x], [y]);
        layer.Forward([x], [y]);
        Assert.That(layer.Blobs[1].Data.ToArray(), Is.EqualTo(new float[] { 0, 0 }), "m = 1 ⇒ correction 1, variance 0");
        Assert.That(layer.Blobs[0].Data.ToArray(), Is.EqualTo(new float[] { 3, 4 }));
    }

    [TestCase(new[] { 3, 2, 3, 1 }, Phase.Train)]
    [TestCase(new[] { 5, 3 }, Phase.Train)]
    [TestCase(new[] { 7 }, Phase.Train)]
    [TestCase(new[] { 2, 3, 2 }, Phase.Test)]
    public void BatchNorm_Gradient(int[] shape, Phase phase)
    {
        Blob x = TestData.Uniform(shape, 25, -2, 2), y = new();
        Layer layer = TestData.SetUp(BatchNormDef(phase), [x], [y]);
        if (phase == Phase.Test)
        {
            layer.Blobs[0].MutableData.Fill(0.5f);
            layer.Blobs[1].MutableData.Fill(2f);
            layer.Blobs[2].MutableData.Fill(2f);
        }
        new GradientChecker(1e-3, 5e-3).Check(layer, [x], [y], checkParams: false);
    }

    [Test]
    public void BatchNorm_InPlace_MatchesOutOfPlace()
    {
        Blob x = TestData.Uniform([3, 2, 2], 26), y = new(), z = TestData.Uniform([3, 2, 2], 26);
        Layer a = TestData.SetUp(BatchNormDef(Phase.Train), [x], [y]);
        Layer b = TestData.SetUp(BatchNormDef(Phase.Train), [z], [z]);
        a.Forward([x], [y]);
        b.Forward([z], [z]);
        Assert.That(z.Data.ToArray(), Is.EqualTo(y.Data.ToArray()).Within(1e-6));
        TestData.Uniform([3, 2, 2], 27).Data.CopyTo(y.MutableDiff);
        y.Diff.CopyTo(z.MutableDiff);
        a.Backward([y], [true], [x]);
        b.Backward([z], [true], [z]);
        Assert.That(z.Diff.ToArray(), Is.EqualTo(x.Diff.ToArray()).Within(1e-6));
    }

    [Test]
    public void BatchNorm_StatisticsAreNotLearnable()
    {
        Blob x = TestData.Uniform([2, 3], 28), y = new();
        LayerParameter def = BatchNormDef(Phase.Train);
        Layer layer = TestData.SetUp(def, [x], [y]);
        Assert.That(layer.Param.Param.Select(s => s.LrMult), Is.EqualTo(new[] { 0f, 0f, 0f }));
        Assert.That(layer.ParamPropagateDown, Is.All.False);

        LayerParameter bad = BatchNormDef(Phase.Train);
        bad.Param.Add(new ParamSpec { LrMult = 1f });
        var ex = Assert.Throws<LayerException>(() => TestData.SetUp(bad, [x], [new()]));
        Assert.That(ex!.Message, Does.Contain("batchnorm1").And.Contain("lr_mult"));
    }

    [Test]
    public void BatchNorm_InANet_HasZeroLrMultAndIsLeftAloneByUpdate()
    {
        const string text = """
            name: "bn"
            layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 4 dim: 3 } } }
            layer { name: "bn" type: "BatchNorm" bottom: "data" top: "bn" }
            layer { name: "scale" type: "Scale" bottom: "bn" top: "out" scale_param { bias_term: true } }
            layer { name: "loss" type: "Reduction" bottom: "out" top: "loss" loss_weight: 1 reduction_param { operation: SUMSQ } }
            """;
        var def = Engine.Formats.Prototxt.Parse<NetParameter>(text, "bn.prototxt");
        using var net = new Engine.Net(def, TestData.Registry, NetOptions.ForPhase(Phase.Train));
        TestData.Uniform([4, 3], 29).Data.CopyTo(net.GetBlob("data").MutableData);
        Assert.That(net.LearnableParamNames.Count, Is.EqualTo(5));
        Assert.That(net.ParamLrMults.Take(3), Is.All.EqualTo(0f));
        Assert.That(net.ParamLrMults.Skip(3), Is.All.EqualTo(1f));
        Layer bn = net.GetLayer("bn");
        Assert.That(bn.ParamPropagateDown, Is.All.False);
        net.ClearParamDiffs();
        net.ForwardBackward();
        Assert.That(bn.Blobs.Sum(b => b.AsumDiff()), Is.EqualTo(0f), "statistics get no gradient");
        Assert.That(net.GetLayer("scale").Blobs[0].AsumDiff(), Is.GreaterThan(0f));
    }
}
