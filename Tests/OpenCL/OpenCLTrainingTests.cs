using Engine.Backends.OpenCL;
using Engine.Formats;
using Engine.Proto;
using Engine.Solvers;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.OpenCL;

/// <summary>Whole-net training on OpenCL: data stays on the device, and losses track the CPU's.</summary>
public class OpenCLTrainingTests : OpenCLTestBase
{
    private const int Batch = 16;
    private const int Inputs = 12;
    private const int Classes = 4;

    private static NetParameter Mlp() => new NetBuilder("mlp")
        .Input("data", Batch, Inputs)
        .Input("label", Batch)
        .InnerProduct("ip1", "data", 32, new FillerParameter { Type = "gaussian", Std = 0.3f })
        .ReLU("relu1", "ip1")
        .InnerProduct("ip2", "ip1", 32, new FillerParameter { Type = "gaussian", Std = 0.3f })
        .TanH("tanh2", "ip2")
        .InnerProduct("ip3", "ip2", Classes, new FillerParameter { Type = "gaussian", Std = 0.3f })
        .SoftmaxWithLoss("loss", "ip3", "label")
        .Build();

    /// <summary>A small conv net on 12-channel 1×12 "images" (same data as the MLP), so every device layer type trains.</summary>
    private static NetParameter ConvNet() => new NetBuilder("convnet")
        .Input("data", Batch, Inputs)
        .Input("label", Batch)
        .Layer("reshape", "Reshape", ["data"], ["image"], l => l.ReshapeParam = new ReshapeParameter { Shape = new BlobShape { Dim = { Batch, 1, 3, 4 } } })
        .Layer("conv", "Convolution", ["image"], ["conv"], l => l.ConvolutionParam = new ConvolutionParameter
        {
            NumOutput = 8, KernelSize = { 2 }, Pad = { 1 }, WeightFiller = new FillerParameter { Type = "gaussian", Std = 0.3f },
        })
        .ReLU("relu", "conv")
        .Layer("pool", "Pooling", ["conv"], ["pool"], l => l.PoolingParam = new PoolingParameter { Pool = PoolingParameter.Types.PoolMethod.Max, KernelSize = 2, Stride = 2 })
        .InnerProduct("ip", "pool", Classes, new FillerParameter { Type = "gaussian", Std = 0.3f })
        .SoftmaxWithLoss("loss", "ip", "label")
        .Build();

    [Test]
    public void TrainingStep_MovesNoBlobDataToTheHostExceptTheLoss([Values("mlp", "convnet")] string model)
    {
        using var net = new Engine.Net(model == "mlp" ? Mlp() : ConvNet(), TestData.Registry, new NetOptions { Phase = Phase.Train, Backend = Cl, Seed = 3 });
        var batches = new Batches(5);
        Step(net, batches, 0.1f); // the first step creates the device buffers
        Dictionary<SyncedMemoryKey, long> before = Snapshot(net);
        long createdBefore = Cl.Pool.BuffersCreated;

        const int steps = 3;
        for (int s = 0; s < steps; s++)
        {
            Step(net, batches, 0.1f);
        }

        Blob loss = net.GetBlob("loss");
        foreach ((SyncedMemoryKey key, long count) in Snapshot(net))
        {
            long moved = count - before[key];
            long allowed = key.Blob == loss && !key.Diff ? steps : 0;
            Assert.That(moved, Is.EqualTo(allowed), $"{key.Blob.Name} {(key.Diff ? "diff" : "data")}: transfers to host");
        }
        Assert.That(Cl.Pool.BuffersCreated, Is.EqualTo(createdBefore), "steady-state steps must not create device buffers");
    }

    [Test]
    public void SolverStep_MovesNoBlobParamOrHistoryDataToTheHostExceptTheLoss(
        [Values("mlp", "convnet")] string model,
        [Values("SGD", "Nesterov", "AdaGrad", "RMSProp", "AdaDelta", "Adam", "AdamW")] string type)
    {
        string momentum = type is "AdaGrad" or "RMSProp" ? "" : "momentum: 0.9";
        // clip_gradients far above the norm: the global norm is still reduced on the device every step, nothing is scaled.
        SolverParameter param = NetDefinitions.ParseSolver(
            $"type: \"{type}\" base_lr: 0.01 {momentum} lr_policy: \"fixed\" weight_decay: 0.001 clip_gradients: 1000 max_iter: 100 display: 0 random_seed: 3",
            "transfer-solver.prototxt");
        param.NetParam = model == "mlp" ? Mlp() : ConvNet();
        using Solver solver = SolverRegistry.CreateDefault().Create(param, new SolverContext(TestData.Registry) { Backend = Cl });
        Engine.Net net = solver.Net;
        new Batches(5).Fill(net.GetBlob("data"), net.GetBlob("label"));
        solver.Step(1); // the first step creates the device buffers and pushes the initial weights
        Dictionary<SyncedMemoryKey, long> before = Snapshot(net, solver.History);
        long createdBefore = Cl.Pool.BuffersCreated;

        const int steps = 3;
        solver.Step(steps);

        Blob loss = net.GetBlob("loss");
        foreach ((SyncedMemoryKey key, long count) in Snapshot(net, solver.History))
        {
            long moved = count - before[key];
            long allowed = key.Blob == loss && !key.Diff ? steps : 0;
            Assert.That(moved, Is.EqualTo(allowed), $"{key.Blob.Name} {(key.Diff ? "diff" : "data")}: transfers to host");
        }
        Assert.That(Cl.Pool.BuffersCreated, Is.EqualTo(createdBefore), "steady-state steps must not create device buffers");
        Assert.That(solver.Iter, Is.EqualTo(1 + steps));
    }

    [Test]
    public void FiftyIterations_TrackTheCpuLosses()
    {
        using var cpuNet = new Engine.Net(Mlp(), TestData.Registry, new NetOptions { Phase = Phase.Train, Seed = 3 });
        using var clNet = new Engine.Net(Mlp(), TestData.Registry, new NetOptions { Phase = Phase.Train, Backend = Cl, Seed = 3 });
        var cpuBatches = new Batches(9);
        var clBatches = new Batches(9);
        float first = 0f, last = 0f;
        for (int i = 0; i < 50; i++)
        {
            float cpuLoss = Step(cpuNet, cpuBatches, 0.2f);
            float clLoss = Step(clNet, clBatches, 0.2f);
            // Float sums in another order drift by ~1e-6 per step; over 50 steps of SGD 1e-3 relative stays well clear of it.
            Assert.That(clLoss, Is.EqualTo(cpuLoss).Within(1e-3 * Math.Max(1f, Math.Abs(cpuLoss))), $"iteration {i}");
            if (i == 0)
            {
                first = cpuLoss;
            }
            last = cpuLoss;
        }
        Assert.That(last, Is.LessThan(first * 0.8f), "the net should learn, or the comparison proves little");
    }

    /// <summary>One SGD step (diff cleared, forward/backward, data −= lr·diff) on the net's own backend.</summary>
    private static float Step(Engine.Net net, Batches batches, float lr)
    {
        batches.Fill(net.GetBlob("data"), net.GetBlob("label"));
        return SgdStep(net, lr);
    }

    private readonly record struct SyncedMemoryKey(Blob Blob, bool Diff);

    private static Dictionary<SyncedMemoryKey, long> Snapshot(Engine.Net net, IEnumerable<Blob>? history = null)
    {
        var counts = new Dictionary<SyncedMemoryKey, long>();
        foreach (Blob b in net.Blobs.Concat(net.LearnableParams).Concat(history ?? []).Distinct())
        {
            counts[new SyncedMemoryKey(b, false)] = b.DataMemory.TransfersToHost;
            counts[new SyncedMemoryKey(b, true)] = b.DiffMemory.TransfersToHost;
        }
        return counts;
    }

    /// <summary>A learnable toy task: the label is the quadrant of (x0, x1); other inputs are noise.</summary>
    private sealed class Batches(ulong seed)
    {
        private readonly EngineRandom _rng = new(seed);

        public void Fill(Blob data, Blob label)
        {
            Span<float> x = data.MutableData;
            Span<float> y = label.MutableData;
            for (int n = 0; n < Batch; n++)
            {
                for (int j = 0; j < Inputs; j++)
                {
                    x[n * Inputs + j] = _rng.NextFloat(-1f, 1f);
                }
                y[n] = (x[n * Inputs] > 0 ? 1 : 0) + (x[n * Inputs + 1] > 0 ? 2 : 0);
            }
        }
    }
}
