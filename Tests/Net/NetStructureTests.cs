using Engine.Fillers;
using Engine.Proto;
using Engine.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;

namespace Engine.Tests.Net;

public class NetStructureTests
{
    private static Engine.Net Build(NetParameter def, Phase phase = Phase.Train) => new(def, TestData.Registry, NetOptions.ForPhase(phase));

    private static NetParameter Mlp() => new NetBuilder("mlp")
        .Input("data", 4, 3).Input("label", 4)
        .InnerProduct("ip1", "data", 5, Filler.Xavier())
        .ReLU("relu1", "ip1")
        .InnerProduct("ip2", "ip1", 2, Filler.Xavier())
        .SoftmaxWithLoss("loss", "ip2", "label")
        .Build();

    [Test]
    public void ShuffledDefinition_IsOrderedTopologically()
    {
        NetParameter def = Mlp();
        var shuffled = def.Layer.Reverse().ToList();
        def.Layer.Clear();
        def.Layer.AddRange(shuffled);
        using var net = Build(def);
        string[] names = net.LayerNames.ToArray();
        Assert.That(Array.IndexOf(names, "ip1"), Is.LessThan(Array.IndexOf(names, "relu1")));
        Assert.That(Array.IndexOf(names, "relu1"), Is.LessThan(Array.IndexOf(names, "ip2")));
        Assert.That(Array.IndexOf(names, "ip2"), Is.LessThan(Array.IndexOf(names, "loss")));
        Assert.That(Array.IndexOf(names, "data"), Is.LessThan(Array.IndexOf(names, "ip1")));
    }

    [Test]
    public void OrderedDefinition_KeepsItsOrder()
    {
        using var net = Build(Mlp());
        Assert.That(net.LayerNames, Is.EqualTo(new[] { "data", "label", "ip1", "relu1", "ip2", "loss" }));
    }

    [Test]
    public void Cycle_IsRejectedNamingItsLayers()
    {
        NetParameter def = new NetBuilder("cyclic")
            .Input("data", 2, 3)
            .Layer("a", "Eltwise", ["data", "c"], ["a"])
            .Layer("b", "ReLU", ["a"], ["b"])
            .Layer("cc", "ReLU", ["b"], ["c"])
            .Build();
        var ex = Assert.Throws<NetException>(() => Build(def));
        Assert.That(ex!.Message, Does.Contain("cycle").And.Contain("'a'").And.Contain("'b'").And.Contain("'cc'"));
    }

    [Test]
    public void MissingBottom_NamesLayerAndBlob()
    {
        NetParameter def = new NetBuilder("missing").Input("data", 2, 3).InnerProduct("ip", "dta", 2).Build();
        var ex = Assert.Throws<NetException>(() => Build(def));
        Assert.That(ex!.Message, Does.Contain("'ip'").And.Contain("'dta'").And.Contain("'data'"));
    }

    [Test]
    public void UnknownType_NamesClosestTypes()
    {
        NetParameter def = new NetBuilder("typo").Input("data", 2, 3).Layer("ip", "InnerProdcut", ["data"], ["ip"]).Build();
        var ex = Assert.Throws<LayerException>(() => Build(def));
        Assert.That(ex!.Message, Does.Contain("InnerProdcut").And.Contain("'InnerProduct'").And.Contain("'ip'"));
    }

    [Test]
    public void RepeatedLayerNames_AreAccepted_AsCaffeDoes()
    {
        NetParameter def = new NetBuilder("dupnames").Input("data", 2, 3).Input("label", 2)
            .InnerProduct("ip", "data", 3, Filler.Xavier())
            .SoftmaxWithLoss("loss", "ip", "label")
            .Layer("loss", "Softmax", ["ip"], ["prob"])
            .Build();
        using var net = Build(def);
        Assert.That(net.LayerNames.Count(n => n == "loss"), Is.EqualTo(2));
        Assert.That(net.GetLayer("loss").Type, Is.EqualTo("SoftmaxWithLoss"), "lookup finds the first");
    }

    [Test]
    public void DuplicateProducer_IsRejected()
    {
        NetParameter def = new NetBuilder("dup").Input("data", 2, 3)
            .InnerProduct("ip1", "data", 2, top: "x").InnerProduct("ip2", "data", 2, top: "x").Build();
        var ex = Assert.Throws<NetException>(() => Build(def));
        Assert.That(ex!.Message, Does.Contain("'x'").And.Contain("ip1").And.Contain("ip2"));
    }

    [Test]
    public void BlobWithTwoReaders_GetsASplitThatSumsGradients()
    {
        // y = ip_a(x) + ip_b(x): x feeds two layers, so a split sums both gradients into x.
        NetParameter def = new NetBuilder("split")
            .Input("x", 3, 4).Input("target", 3, 2)
            .InnerProduct("ip_a", "x", 2, Filler.Gaussian(1))
            .InnerProduct("ip_b", "x", 2, Filler.Gaussian(1))
            .Layer("sum", "Eltwise", ["ip_a", "ip_b"], ["sum"])
            .EuclideanLoss("loss", "sum", "target")
            .ForceBackward()
            .Build();
        using var net = Build(def);
        Assert.That(net.LayerNames, Does.Contain("x_x_0_split"));
        Assert.That(net.HasBlob("x_x_0_split_1"), Is.True);
        TestData.Uniform([3, 4], 1).Data.CopyTo(net.GetBlob("x").MutableData);
        TestData.Uniform([3, 2], 2).Data.CopyTo(net.GetBlob("target").MutableData);
        net.ForwardBackward();
        // dL/dx = dL/dsum · (Wa + Wb)
        ReadOnlySpan<float> dsum = net.GetBlob("sum").Diff;
        ReadOnlySpan<float> wa = net.GetLayer("ip_a").Blobs[0].Data, wb = net.GetLayer("ip_b").Blobs[0].Data;
        for (int n = 0; n < 3; n++)
        {
            for (int k = 0; k < 4; k++)
            {
                double expected = 0;
                for (int o = 0; o < 2; o++)
                {
                    expected += dsum[n * 2 + o] * (wa[o * 4 + k] + wb[o * 4 + k]);
                }
                Assert.That(net.GetBlob("x").Diff[n * 4 + k], Is.EqualTo(expected).Within(1e-5));
            }
        }
    }

    [Test]
    public void InPlaceLayer_SharesItsBlob_AndReadersSeeTheModifiedValue()
    {
        NetParameter def = Mlp();
        // Put the in-place ReLU last in the file; ip2 must still read the rectified values.
        LayerParameter relu = def.Layer.Single(l => l.Name == "relu1");
        def.Layer.Remove(relu);
        def.Layer.Add(relu);
        using var net = Build(def);
        int reluIndex = net.LayerIndex("relu1");
        Assert.That(net.TopsOf(reluIndex)[0], Is.SameAs(net.BottomsOf(reluIndex)[0]));
        Assert.That(reluIndex, Is.LessThan(net.LayerIndex("ip2")));
        TestData.Uniform([4, 3], 3).Data.CopyTo(net.GetBlob("data").MutableData);
        net.Forward();
        Assert.That(net.GetBlob("ip1").Data.ToArray(), Has.All.GreaterThanOrEqualTo(0f));
    }

    [Test]
    public void BackwardNeeds_AreComputed()
    {
        // A branch no loss depends on gets no backward; inputs need no gradient without force_backward.
        NetParameter def = new NetBuilder("needs")
            .Input("data", 2, 3).Input("label", 2)
            .InnerProduct("ip", "data", 3, Filler.Xavier())
            .InnerProduct("side", "data", 3, Filler.Xavier())
            .SoftmaxWithLoss("loss", "ip", "label")
            .Build();
        using var net = Build(def);
        Assert.That(net.LayerNeedsBackward(net.LayerIndex("ip")), Is.True);
        Assert.That(net.LayerNeedsBackward(net.LayerIndex("side")), Is.False);
        Assert.That(net.BottomNeedsBackward(net.LayerIndex("ip"), 0), Is.False);
        Assert.That(net.BottomNeedsBackward(net.LayerIndex("loss"), 1), Is.False);
        Assert.That(net.OutputBlobs.Select(b => b.Name), Is.EquivalentTo(new[] { "side", "loss" }));
    }

    [Test]
    public void FrozenParams_StopBackward()
    {
        NetParameter def = new NetBuilder("frozen")
            .Input("data", 2, 3).Input("label", 2)
            .InnerProduct("ip1", "data", 3, Filler.Xavier(), lrMult: 0)
            .InnerProduct("ip2", "ip1", 3, Filler.Xavier())
            .SoftmaxWithLoss("loss", "ip2", "label")
            .Build();
        using var net = Build(def);
        Assert.That(net.LayerNeedsBackward(net.LayerIndex("ip1")), Is.False);
        Assert.That(net.BottomNeedsBackward(net.LayerIndex("ip2"), 0), Is.False);
        Assert.That(net.ParamLrMults[0], Is.EqualTo(0f));
    }

    [Test]
    public void LossWeights_ScaleTheLossAndAnyTopCanBeALoss()
    {
        NetParameter def = new NetBuilder("weights")
            .Input("a", 2, 3).Input("b", 2, 3)
            .EuclideanLoss("l2", "a", "b")
            .Layer("act", "Sigmoid", ["a"], ["act"], l => l.LossWeight.Add(0.5f))
            .Build();
        def.Layer.Single(l => l.Name == "l2").LossWeight.Add(3f);
        using var net = Build(def);
        TestData.Uniform([2, 3], 1).Data.CopyTo(net.GetBlob("a").MutableData);
        TestData.Uniform([2, 3], 2).Data.CopyTo(net.GetBlob("b").MutableData);
        float total = net.Forward();
        float expected = 3f * net.GetBlob("l2").Data[0] + 0.5f * System.Numerics.Tensors.TensorPrimitives.Sum(net.GetBlob("act").Data);
        Assert.That(total, Is.EqualTo(expected).Within(1e-5));
    }

    [Test]
    public void PhaseRules_FilterLayers()
    {
        NetParameter def = Mlp();
        var acc = new LayerParameter { Name = "acc", Type = "Softmax", Bottom = { "ip2" }, Top = { "prob" } };
        acc.Include.Add(new NetStateRule { Phase = Phase.Test });
        def.Layer.Add(acc);
        using (var train = Build(def, Phase.Train))
        {
            Assert.That(train.HasLayer("acc"), Is.False);
        }
        using var test = Build(def, Phase.Test);
        Assert.That(test.HasLayer("acc"), Is.True);
        Assert.That(test.GetLayer("ip1").Phase, Is.EqualTo(Phase.Test));
    }

    [Test]
    public void SharedParams_ShareDataAndDiff_AndCountOnce()
    {
        // Siamese: two towers with the same weights.
        NetParameter def = new NetBuilder("siamese")
            .Input("a", 2, 3).Input("b", 2, 3)
            .InnerProduct("ip_a", "a", 4, Filler.Xavier(), biasTerm: false)
            .InnerProduct("ip_b", "b", 4, Filler.Xavier(), biasTerm: false)
            .EuclideanLoss("loss", "ip_a", "ip_b")
            .Build();
        def.Layer.Single(l => l.Name == "ip_a").Param.Add(new ParamSpec { Name = "w" });
        def.Layer.Single(l => l.Name == "ip_b").Param.Add(new ParamSpec { Name = "w" });
        using var net = Build(def);
        Assert.That(net.LearnableParams, Has.Count.EqualTo(1));
        Blob wa = net.GetLayer("ip_a").Blobs[0], wb = net.GetLayer("ip_b").Blobs[0];
        wa.MutableData[0] = 42f;
        Assert.That(wb.Data[0], Is.EqualTo(42f));
    }

    [Test]
    public void SharedParams_WithDifferentShapes_NameBothLayersAndShapes()
    {
        NetParameter def = new NetBuilder("bad")
            .Input("a", 2, 3)
            .InnerProduct("ip_a", "a", 4, biasTerm: false)
            .InnerProduct("ip_b", "a", 5, biasTerm: false)
            .Build();
        def.Layer.Single(l => l.Name == "ip_a").Param.Add(new ParamSpec { Name = "w" });
        def.Layer.Single(l => l.Name == "ip_b").Param.Add(new ParamSpec { Name = "w" });
        var ex = Assert.Throws<NetException>(() => Build(def));
        Assert.That(ex!.Message, Does.Contain("ip_a").And.Contain("ip_b").And.Contain("4 3").And.Contain("5 3"));
    }

    [Test]
    public void ForwardFromTo_RunsAPartOfTheNet()
    {
        using var net = Build(Mlp());
        TestData.Uniform([4, 3], 3).Data.CopyTo(net.GetBlob("data").MutableData);
        net.ForwardFromTo(0, net.LayerIndex("ip1"));
        float[] ip1 = net.GetBlob("ip1").Data.ToArray();
        Assert.That(ip1.Any(v => v < 0), Is.True, "ReLU has not run yet, so some values are negative");
    }

    [Test]
    public void MemoryReport_CountsBlobsAndParams()
    {
        using var net = Build(Mlp());
        NetMemoryReport report = net.GetMemoryReport();
        Assert.That(report.LearnableParameterCount, Is.EqualTo(5 * 3 + 5 + 2 * 5 + 2));
        Assert.That(report.Blobs.Single(b => b.Name == "ip1").Bytes, Is.EqualTo(4 * 5 * 4 * 2));
    }

    [Test]
    public void DependencyInjection_RegistersBuiltinsAndUserLayers()
    {
        var services = new ServiceCollection().AddEngine().AddLayer<DoubleLayer>("Double", "Multiplies by two.");
        using ServiceProvider sp = services.BuildServiceProvider();
        var registry = sp.GetRequiredService<LayerRegistry>();
        Assert.That(registry.Types, Does.Contain("InnerProduct").And.Contain("Double"));
        NetParameter def = new NetBuilder("custom").Input("x", 2).Layer("d", "Double", ["x"], ["y"]).Build();
        using Engine.Net net = sp.GetRequiredService<NetFactory>().Create(def, Phase.Test);
        net.GetBlob("x").MutableData.Fill(3f);
        net.Forward();
        Assert.That(net.GetBlob("y").Data.ToArray(), Is.EqualTo(new[] { 6f, 6f }));
    }

    /// <summary>A user-defined layer registered through DI.</summary>
    public sealed class DoubleLayer(LayerParameter p) : Engine.Layers.NeuronLayer(p)
    {
        protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top) => Ops.Scale(2f, bottom[0].Data, top[0].MutableData);
    }
}
