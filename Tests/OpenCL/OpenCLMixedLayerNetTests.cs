using Engine.Backends.OpenCL;
using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.OpenCL;

/// <summary>
/// A net built from the Neuron, Common and Loss layers with device code (in-place PReLU and Dropout, Scale with bias,
/// Slice/Concat, ELU, Swish, a hinge loss) trains on OpenCL in step with the CPU, and keeps its data on the device.
/// </summary>
public class OpenCLMixedLayerNetTests : OpenCLTestBase
{
    private const int Batch = 8;
    private const int Inputs = 10;
    private const int Classes = 3;

    private static FillerParameter Weights => new() { Type = "gaussian", Std = 0.4f };

    private static NetParameter MixedNet() => new NetBuilder("mixed")
        .Input("data", Batch, Inputs)
        .Input("label", Batch)
        .InnerProduct("ip1", "data", 12, Weights)
        .Layer("prelu", "PReLU", ["ip1"], ["ip1"])
        .Layer("scale", "Scale", ["ip1"], ["scaled"], l => l.ScaleParam = new ScaleParameter { BiasTerm = true })
        .Layer("drop", "Dropout", ["scaled"], ["scaled"], l => l.DropoutParam = new DropoutParameter { DropoutRatio = 0.2f })
        .Layer("slice", "Slice", ["scaled"], ["left", "right"], l => l.SliceParam = new SliceParameter { Axis = 1, SlicePoint = { 5 } })
        .Layer("elu", "ELU", ["left"], ["left_act"])
        .Layer("swish", "Swish", ["right"], ["right_act"])
        .Layer("concat", "Concat", ["left_act", "right_act"], ["joined"])
        .InnerProduct("ip2", "joined", Classes, Weights)
        .Layer("loss", "MulticlassHingeLoss", ["ip2", "label"], ["loss"],
            l => l.HingeLossParam = new HingeLossParameter { Norm = HingeLossParameter.Types.Norm.L2 })
        .Build();

    [Test]
    public void TwentySteps_TrackTheCpuLosses()
    {
        using var cpuNet = new Engine.Net(MixedNet(), TestData.Registry, new NetOptions { Phase = Phase.Train, Seed = 11 });
        using var clNet = new Engine.Net(MixedNet(), TestData.Registry, new NetOptions { Phase = Phase.Train, Backend = Cl, Seed = 11 });
        var cpuData = new EngineRandom(21);
        var clData = new EngineRandom(21);
        float first = 0f, last = 0f;
        for (int i = 0; i < 20; i++)
        {
            float cpuLoss = Step(cpuNet, cpuData, 0.05f);
            float clLoss = Step(clNet, clData, 0.05f);
            // The same seed draws the same dropout masks on both backends (the device path draws them on the host), so
            // only float summation order separates the two: 1e-3 relative over 20 SGD steps is well clear of it.
            Assert.That(clLoss, Is.EqualTo(cpuLoss).Within(1e-3 * Math.Max(1f, Math.Abs(cpuLoss))), $"iteration {i}");
            if (i == 0)
            {
                first = cpuLoss;
            }
            last = cpuLoss;
        }
        Assert.That(last, Is.LessThan(first), "the net should learn, or the comparison proves little");
    }

    [Test]
    public void TrainingSteps_MoveNoBlobDataToTheHostExceptTheLoss()
    {
        using var net = new Engine.Net(MixedNet(), TestData.Registry, new NetOptions { Phase = Phase.Train, Backend = Cl, Seed = 11 });
        var data = new EngineRandom(21);
        Step(net, data, 0.05f); // the first step creates the device buffers
        Blob[] blobs = net.Blobs.Concat(net.LearnableParams).Distinct().ToArray();
        long[] before = Counters(blobs);

        const int steps = 3;
        for (int s = 0; s < steps; s++)
        {
            Step(net, data, 0.05f);
        }

        long[] after = Counters(blobs);
        Blob loss = net.GetBlob("loss");
        for (int b = 0; b < blobs.Length; b++)
        {
            long allowedData = blobs[b] == loss ? steps : 0;
            Assert.That(after[2 * b] - before[2 * b], Is.EqualTo(allowedData), $"{blobs[b].Name} data: transfers to host");
            Assert.That(after[2 * b + 1] - before[2 * b + 1], Is.EqualTo(0), $"{blobs[b].Name} diff: transfers to host");
        }
    }

    private static long[] Counters(Blob[] blobs)
        => blobs.SelectMany(b => new[] { b.DataMemory.TransfersToHost, b.DiffMemory.TransfersToHost }).ToArray();

    /// <summary>One SGD step on the net's own backend: fresh batch, diffs cleared, forward/backward, data −= lr·diff.</summary>
    private static float Step(Engine.Net net, EngineRandom rng, float lr)
    {
        Span<float> x = net.GetBlob("data").MutableData;
        Span<float> y = net.GetBlob("label").MutableData;
        for (int n = 0; n < Batch; n++)
        {
            for (int j = 0; j < Inputs; j++)
            {
                x[n * Inputs + j] = rng.NextFloat(-1f, 1f);
            }
            // A learnable label: which third of [-1, 1) the first input falls in.
            y[n] = Math.Min(Classes - 1, (int)((x[n * Inputs] + 1f) * Classes / 2f));
        }
        return SgdStep(net, lr);
    }
}
