using Engine.Backends.Cpu;
using Engine.Formats;
using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.Cpu;

/// <summary>
/// Convolution and pooling split a batch over the worker pool; the results (outputs, input gradients and the summed weight
/// gradients) must be bit-identical whatever the number of threads, so that training runs repeat exactly.
/// </summary>
[TestFixture]
public class ThreadCountDeterminismTests
{
    // Odd batch (not a multiple of the chunk count) and a bias, two convolutions and 2×2 max pooling.
    private const string Net = """
        name: "small"
        layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 11 dim: 2 dim: 12 dim: 12 } } }
        layer { name: "label" type: "Input" top: "label" input_param { shape { dim: 11 } } }
        layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
                convolution_param { num_output: 6 kernel_size: 3 weight_filler { type: "xavier" } bias_filler { type: "uniform" min: -0.1 max: 0.1 } } }
        layer { name: "pool1" type: "Pooling" bottom: "conv1" top: "pool1" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
        layer { name: "conv2" type: "Convolution" bottom: "pool1" top: "conv2"
                convolution_param { num_output: 5 kernel_size: 3 weight_filler { type: "xavier" } bias_filler { type: "uniform" min: -0.1 max: 0.1 } } }
        layer { name: "ip" type: "InnerProduct" bottom: "conv2" top: "ip" inner_product_param { num_output: 3 weight_filler { type: "xavier" } } }
        layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
        """;

    private static List<float[]> Run(int threads)
    {
        using var pool = new WorkerPool(threads);
        NetParameter def = NetDefinitions.ParseNet(Net, "small.prototxt");
        using var net = new Engine.Net(def, TestData.Registry, new NetOptions { Phase = Phase.Train, Seed = 9, Backend = new CpuBackend(pool) });
        TestData.Uniform([11, 2, 12, 12], 4).Data.CopyTo(net.GetBlob("data").MutableData);
        Span<float> labels = net.GetBlob("label").MutableData;
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = i % 3;
        }
        net.ClearParamDiffs();
        net.ForwardBackward();
        var results = new List<float[]>
        {
            net.GetBlob("conv1").Data.ToArray(),
            net.GetBlob("pool1").Data.ToArray(),
            net.GetBlob("conv2").Data.ToArray(),
            net.GetBlob("pool1").Diff.ToArray(),
        };
        foreach (Blob p in net.LearnableParams)
        {
            results.Add(p.Diff.ToArray());
        }
        return results;
    }

    [TestCase(2)]
    [TestCase(3)]
    public void ForwardBackward_IsBitIdenticalToOneThread(int threads)
    {
        List<float[]> one = Run(1);
        List<float[]> many = Run(threads);
        Assert.That(many, Has.Count.EqualTo(one.Count));
        for (int i = 0; i < one.Count; i++)
        {
            Assert.That(one[i].Any(v => v != 0f), Is.True, $"result {i} is all zeros: nothing was computed");
            Assert.That(many[i], Is.EqualTo(one[i]), $"result {i} differs with {threads} threads");
        }
    }
}
