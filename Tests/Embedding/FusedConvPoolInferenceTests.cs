using Engine.Embedding;
using Engine.Formats;
using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.Embedding;

/// <summary>
/// Inference handles run a convolution whose output only feeds a 2×2 max pooling as one pass: the handle's results must be
/// the plain net's, bit for bit, with the pass in use where the net allows it and not where another layer reads the
/// convolution's output; and calls must still allocate nothing.
/// </summary>
public class FusedConvPoolInferenceTests
{
    // conv1: one input channel, 24-wide output (three vectors per row), 20 = 4 five-channel blocks.
    // conv2: 8-wide output, 7 channels = one five-channel block and two left over; no bias.
    private static NetParameter Net(bool extraReader) => Prototxt.Parse<NetParameter>($$"""
        name: "small"
        layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 1 dim: 28 dim: 28 } } }
        layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
                convolution_param { num_output: 20 kernel_size: 5 weight_filler { type: "xavier" } bias_filler { type: "uniform" min: -0.5 max: 0.5 } } }
        layer { name: "pool1" type: "Pooling" bottom: "conv1" top: "pool1" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
        layer { name: "conv2" type: "Convolution" bottom: "pool1" top: "conv2"
                convolution_param { num_output: 7 kernel_size: 5 bias_term: false weight_filler { type: "xavier" } } }
        layer { name: "pool2" type: "Pooling" bottom: "conv2" top: "pool2" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
        {{(extraReader ? """layer { name: "peek" type: "Pooling" bottom: "conv2" top: "peek" pooling_param { pool: AVE kernel_size: 2 stride: 2 } }""" : "")}}
        layer { name: "ip" type: "InnerProduct" bottom: "pool2" top: "ip" inner_product_param { num_output: 10 weight_filler { type: "xavier" } } }
        {{(extraReader ? """layer { name: "sum" type: "Eltwise" bottom: "pool2" bottom: "peek" top: "sum" }""" : "")}}
        """, "small.prototxt");

    [TestCase(false, 2)]
    [TestCase(true, 1)] // conv2's output is also read by "peek": only conv1 + pool1 fuse.
    public void Run_MatchesThePlainNetBitForBit(bool extraReader, int fusedPairs)
    {
        NetParameter def = Net(extraReader);
        var model = new InferenceModel(def, TestData.Registry, outputBlob: "ip", seed: 5);
        using Inference handle = model.CreateHandle(2);
        Assert.That(handle.FusedPairs, Is.EqualTo(fusedPairs), "pairs run as one pass");
        using var net = new Engine.Net(def, TestData.Registry, new NetOptions { Phase = Phase.Test, Seed = 5 });

        float[] images = TestData.Uniform([2, 784], 6).Data.ToArray();
        for (int i = 0; i < images.Length; i += 7) images[i] = -images[i]; // negative outputs too, so the max is not trivial
        var expected = new float[20];
        for (int n = 0; n < 2; n++)
        {
            images.AsSpan(n * 784, 784).CopyTo(net.GetBlob("data").MutableData);
            net.Forward();
            net.GetBlob("ip").Data.CopyTo(expected.AsSpan(n * 10, 10));
        }
        var single = new float[20];
        handle.Run(images.AsSpan(0, 784), single.AsSpan(0, 10));
        handle.Run(images.AsSpan(784, 784), single.AsSpan(10, 10));
        Assert.That(single, Is.EqualTo(expected), "one sample per call");

        // Two samples per call: the inner product then multiplies a matrix, so compare with the plain net at batch 2.
        NetParameter twoDef = def.Clone();
        twoDef.Layer[0].InputParam.Shape[0].Dim[0] = 2;
        using var two = new Engine.Net(twoDef, TestData.Registry, new NetOptions { Phase = Phase.Test, Seed = 5 });
        images.CopyTo(two.GetBlob("data").MutableData);
        two.Forward();
        var batch = new float[20];
        handle.RunBatch(images, batch, 2);
        Assert.That(batch, Is.EqualTo(two.GetBlob("ip").Data.ToArray()), "two samples in one call");
        Assert.That(handle.Net.GetBlob("pool1").Data.ToArray(), Is.EqualTo(two.GetBlob("pool1").Data.ToArray()), "pool1 of both samples");
        Assert.That(handle.Net.GetBlob("pool2").Data.ToArray(), Is.EqualTo(two.GetBlob("pool2").Data.ToArray()), "pool2 of both samples");
    }

    [Test]
    public void FusedRun_AllocatesNothing()
    {
        var model = new InferenceModel(Net(false), TestData.Registry, outputBlob: "ip");
        using Inference handle = model.CreateHandle(3);
        float[] images = TestData.Uniform([3, 784], 7).Data.ToArray(), output = new float[30];
        handle.Run(images, output);
        handle.RunBatch(images, output, 3);
        handle.Run(images, output);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 200; i++)
        {
            handle.RunBatch(images, output, 1 + i % 3);
        }
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.EqualTo(0));
    }
}
