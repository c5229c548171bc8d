using Engine.Fillers;
using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.Layers.Vision;

/// <summary>Classic convolutional nets built through <see cref="Engine.Net"/>: top shapes, and a finite forward/backward.</summary>
public class VisionNetTests
{
    private static NetBuilder Conv(NetBuilder b, string name, string bottom, int outputs, uint kernel, uint pad = 0)
        => b.Layer(name, "Convolution", [bottom], [name], l =>
        {
            l.ConvolutionParam = new ConvolutionParameter { NumOutput = (uint)outputs, WeightFiller = Filler.Xavier(), BiasFiller = Filler.Constant(0.1f) };
            l.ConvolutionParam.KernelSize.Add(kernel);
            if (pad > 0)
            {
                l.ConvolutionParam.Pad.Add(pad);
            }
        });

    private static NetBuilder Pool(NetBuilder b, string name, string bottom, PoolingParameter.Types.PoolMethod method, uint kernel, uint stride)
        => b.Layer(name, "Pooling", [bottom], [name], l => l.PoolingParam = new PoolingParameter { Pool = method, KernelSize = kernel, Stride = stride });

    private static void Fill(Engine.Net net, int classes)
    {
        Blob data = net.GetBlob("data");
        var rng = new EngineRandom(5);
        for (int i = 0; i < data.Count; i++)
        {
            data.MutableData[i] = rng.NextFloat(0f, 1f);
        }
        Blob label = net.GetBlob("label");
        for (int i = 0; i < label.Count; i++)
        {
            label.MutableData[i] = i % classes;
        }
    }

    private static void AssertTrainsOneStep(Engine.Net net)
    {
        net.ClearParamDiffs();
        float loss = net.ForwardBackward();
        Assert.That(float.IsFinite(loss), Is.True, $"loss {loss}");
        Assert.That(loss, Is.GreaterThan(0f));
        double gradient = 0;
        foreach (Blob p in net.LearnableParams)
        {
            Assert.That(p.Diff.ToArray().All(float.IsFinite), Is.True, $"gradient of {p.Name}");
            gradient += p.SumSquaresDiff();
        }
        Assert.That(gradient, Is.GreaterThan(0), "some parameter gets a gradient");
    }

    [Test]
    public void LeNet_BuildsAndRuns()
    {
        var b = new NetBuilder("lenet").Input("data", 2, 1, 28, 28).Input("label", 2);
        b = Conv(b, "conv1", "data", 20, 5);
        b = Pool(b, "pool1", "conv1", PoolingParameter.Types.PoolMethod.Max, 2, 2);
        b = Conv(b, "conv2", "pool1", 50, 5);
        b = Pool(b, "pool2", "conv2", PoolingParameter.Types.PoolMethod.Max, 2, 2);
        NetParameter def = b.InnerProduct("ip1", "pool2", 500, Filler.Xavier())
            .ReLU("relu1", "ip1")
            .InnerProduct("ip2", "ip1", 10, Filler.Xavier())
            .SoftmaxWithLoss("loss", "ip2", "label")
            .Build();
        using var net = new Engine.Net(def, TestData.Registry, new NetOptions { Phase = Phase.Train, Seed = 1 });
        Assert.That(net.GetBlob("conv1").ShapeArray, Is.EqualTo(new[] { 2, 20, 24, 24 }));
        Assert.That(net.GetBlob("pool1").ShapeArray, Is.EqualTo(new[] { 2, 20, 12, 12 }));
        Assert.That(net.GetBlob("conv2").ShapeArray, Is.EqualTo(new[] { 2, 50, 8, 8 }));
        Assert.That(net.GetBlob("pool2").ShapeArray, Is.EqualTo(new[] { 2, 50, 4, 4 }));
        Assert.That(net.GetBlob("ip1").ShapeArray, Is.EqualTo(new[] { 2, 500 }));
        Assert.That(net.GetBlob("ip2").ShapeArray, Is.EqualTo(new[] { 2, 10 }));
        Fill(net, 10);
        AssertTrainsOneStep(net);
    }

    [Test]
    public void Cifar10Quick_BuildsAndRuns()
    {
        var b = new NetBuilder("cifar10_quick").Input("data", 2, 3, 32, 32).Input("label", 2);
        b = Conv(b, "conv1", "data", 32, 5, 2);
        b = Pool(b, "pool1", "conv1", PoolingParameter.Types.PoolMethod.Max, 3, 2);
        b = b.ReLU("relu1", "pool1");
        b = Conv(b, "conv2", "pool1", 32, 5, 2);
        b = b.ReLU("relu2", "conv2");
        b = Pool(b, "pool2", "conv2", PoolingParameter.Types.PoolMethod.Ave, 3, 2);
        b = Conv(b, "conv3", "pool2", 64, 5, 2);
        b = b.ReLU("relu3", "conv3");
        b = Pool(b, "pool3", "conv3", PoolingParameter.Types.PoolMethod.Ave, 3, 2);
        NetParameter def = b.InnerProduct("ip1", "pool3", 64, Filler.Xavier())
            .InnerProduct("ip2", "ip1", 10, Filler.Xavier())
            .SoftmaxWithLoss("loss", "ip2", "label")
            .Build();
        using var net = new Engine.Net(def, TestData.Registry, new NetOptions { Phase = Phase.Train, Seed = 2 });
        // Pooling rounds up: 32 → ceil(29/2)+1 = 16 → ceil(13/2)+1 = 8 → ceil(5/2)+1 = 4.
        Assert.That(net.GetBlob("conv1").ShapeArray, Is.EqualTo(new[] { 2, 32, 32, 32 }));
        Assert.That(net.GetBlob("pool1").ShapeArray, Is.EqualTo(new[] { 2, 32, 16, 16 }));
        Assert.That(net.GetBlob("conv2").ShapeArray, Is.EqualTo(new[] { 2, 32, 16, 16 }));
        Assert.That(net.GetBlob("pool2").ShapeArray, Is.EqualTo(new[] { 2, 32, 8, 8 }));
        Assert.That(net.GetBlob("conv3").ShapeArray, Is.EqualTo(new[] { 2, 64, 8, 8 }));
        Assert.That(net.GetBlob("pool3").ShapeArray, Is.EqualTo(new[] { 2, 64, 4, 4 }));
        Assert.That(net.GetBlob("ip1").ShapeArray, Is.EqualTo(new[] { 2, 64 }));
        Fill(net, 10);
        AssertTrainsOneStep(net);
    }
}
