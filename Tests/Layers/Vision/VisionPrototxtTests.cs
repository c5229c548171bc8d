using Engine.Formats;
using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.Layers.Vision;

/// <summary>Vision layers defined in prototxt text (V2 and legacy V1 syntax) build and run through the net.</summary>
public class VisionPrototxtTests
{
    private const string SegmentationNet = """
        name: "tiny_fcn"
        layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 dim: 17 dim: 15 } } }
        layer { name: "target" type: "Input" top: "target" input_param { shape { dim: 2 dim: 2 dim: 17 dim: 15 } } }
        layer {
          name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
          convolution_param { num_output: 6 kernel_h: 3 kernel_w: 5 pad_h: 1 pad_w: 2 stride: 1 group: 3
                              weight_filler { type: "gaussian" std: 0.1 } bias_filler { type: "constant" value: 0.1 } }
        }
        layer { name: "norm1" type: "LRN" bottom: "conv1" top: "norm1" lrn_param { local_size: 3 alpha: 0.0001 beta: 0.75 } }
        layer { name: "pool1" type: "Pooling" bottom: "norm1" top: "pool1" pooling_param { pool: MAX kernel_size: 3 stride: 2 } }
        layer {
          name: "conv2" type: "Convolution" bottom: "pool1" top: "conv2"
          convolution_param { num_output: 4 kernel_size: 3 pad: 2 dilation: 2 weight_filler { type: "xavier" } }
        }
        layer { name: "relu2" type: "ReLU" bottom: "conv2" top: "conv2" }
        layer {
          name: "up" type: "Deconvolution" bottom: "conv2" top: "up"
          convolution_param { num_output: 2 kernel_size: 4 stride: 2 bias_term: false weight_filler { type: "xavier" } }
        }
        layer { name: "crop" type: "Crop" bottom: "up" bottom: "target" top: "score" crop_param { axis: 2 offset: 1 } }
        layer { name: "loss" type: "EuclideanLoss" bottom: "score" bottom: "target" top: "loss" }
        """;

    [Test]
    public void SegmentationStyleNet_FromPrototxt_BuildsAndRuns()
    {
        NetParameter def = NetDefinitions.ParseNet(SegmentationNet, "tiny_fcn.prototxt");
        using var net = new Engine.Net(def, TestData.Registry, new NetOptions { Phase = Phase.Train, Seed = 8 });
        Assert.That(net.GetBlob("conv1").ShapeArray, Is.EqualTo(new[] { 2, 6, 17, 15 }));
        // ceil((17 − 3)/2) + 1 = 8, ceil((15 − 3)/2) + 1 = 7.
        Assert.That(net.GetBlob("pool1").ShapeArray, Is.EqualTo(new[] { 2, 6, 8, 7 }));
        // (8 + 4 − 5)/1 + 1 = 8, (7 + 4 − 5) + 1 = 7.
        Assert.That(net.GetBlob("conv2").ShapeArray, Is.EqualTo(new[] { 2, 4, 8, 7 }));
        // 2·(8 − 1) + 4 = 18, 2·(7 − 1) + 4 = 16.
        Assert.That(net.GetBlob("up").ShapeArray, Is.EqualTo(new[] { 2, 2, 18, 16 }));
        Assert.That(net.GetBlob("score").ShapeArray, Is.EqualTo(new[] { 2, 2, 17, 15 }));
        Assert.That(net.GetLayer("up").Blobs[0].ShapeArray, Is.EqualTo(new[] { 4, 2, 4, 4 }));

        var rng = new EngineRandom(9);
        foreach (string name in new[] { "data", "target" })
        {
            Span<float> d = net.GetBlob(name).MutableData;
            for (int i = 0; i < d.Length; i++)
            {
                d[i] = rng.NextFloat(-1, 1);
            }
        }
        net.ClearParamDiffs();
        float loss = net.ForwardBackward();
        Assert.That(float.IsFinite(loss) && loss > 0, Is.True, $"loss {loss}");
        foreach (Blob p in net.LearnableParams)
        {
            Assert.That(p.Diff.ToArray().All(float.IsFinite), Is.True, p.Name);
        }
        Assert.That(net.GetLayer("conv1").Blobs[0].SumSquaresDiff(), Is.GreaterThan(0f));
    }

    [Test]
    public void LegacyV1Layers_AreUpgradedToVisionLayers()
    {
        const string v1 = """
            name: "v1"
            input: "data"
            input_dim: 1 input_dim: 2 input_dim: 9 input_dim: 9
            layers { name: "conv" type: CONVOLUTION bottom: "data" top: "conv"
                     convolution_param { num_output: 3 kernel_size: 3 stride: 2 weight_filler { type: "gaussian" std: 0.1 } } }
            layers { name: "pool" type: POOLING bottom: "conv" top: "pool" pooling_param { pool: AVE kernel_size: 2 stride: 2 } }
            layers { name: "norm" type: LRN bottom: "pool" top: "norm" lrn_param { local_size: 3 norm_region: WITHIN_CHANNEL } }
            """;
        NetParameter def = NetDefinitions.ParseNet(v1, "v1.prototxt");
        using var net = new Engine.Net(def, TestData.Registry, new NetOptions { Phase = Phase.Test, Seed = 1 });
        Assert.That(net.GetLayer("conv").Type, Is.EqualTo("Convolution"));
        Assert.That(net.GetBlob("conv").ShapeArray, Is.EqualTo(new[] { 1, 3, 4, 4 }));
        Assert.That(net.GetBlob("pool").ShapeArray, Is.EqualTo(new[] { 1, 3, 2, 2 }));
        Assert.That(net.GetBlob("norm").ShapeArray, Is.EqualTo(new[] { 1, 3, 2, 2 }));
        net.Forward();
        Assert.That(net.GetBlob("norm").Data.ToArray().All(float.IsFinite), Is.True);
    }
}
