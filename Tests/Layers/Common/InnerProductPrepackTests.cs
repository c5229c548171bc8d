using Engine.Backends.Cpu;
using Engine.Formats;
using Engine.Proto;
using Engine.Solvers;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.Layers.Common;

/// <summary>
/// InnerProduct keeps its weights packed for SGEMM between forward passes; every way the weights change must be seen by the
/// next forward: a solver step, weights copied from a trained net, a direct MutableData write, sharing another net's weights.
/// </summary>
[TestFixture]
[NonParallelizable] // one test forces the process-wide SGEMM path
public class InnerProductPrepackTests
{
    private const int Inputs = 300;

    // Batch and outputs of the net under test; the narrow-output test changes them, SetUp restores them.
    private int _batch, _outputs;

    private WorkerPool _pool = null!;

    [SetUp]
    public void CreatePool()
    {
        _pool = new WorkerPool(2);
        (_batch, _outputs) = (7, 37);
    }

    [TearDown]
    public void DisposePool() => _pool.Dispose();

    private string NetText(bool transpose) => $$"""
        name: "fc"
        layer { name: "data" type: "Input" top: "data" input_param { shape { dim: {{_batch}} dim: 3 dim: {{Inputs / 3}} } } }
        layer { name: "label" type: "Input" top: "label" input_param { shape { dim: {{_batch}} } } }
        layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip"
                inner_product_param { num_output: {{_outputs}} transpose: {{(transpose ? "true" : "false")}}
                  weight_filler { type: "gaussian" std: 0.1 } bias_filler { type: "gaussian" std: 0.1 } } }
        layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
        """;

    private Engine.Net BuildNet(bool transpose, ulong seed)
    {
        var net = new Engine.Net(NetDefinitions.ParseNet(NetText(transpose), "fc.prototxt"), TestData.Registry,
            new NetOptions { Phase = Phase.Train, Seed = seed, Backend = new CpuBackend(_pool) });
        Fill(net);
        return net;
    }

    private void Fill(Engine.Net net)
    {
        TestData.Uniform([_batch, 3, Inputs / 3], 21).Data.CopyTo(net.GetBlob("data").MutableData);
        Span<float> labels = net.GetBlob("label").MutableData;
        for (int i = 0; i < labels.Length; i++) labels[i] = i % _outputs;
    }

    /// <summary>
    /// Two forward passes, each checked: the first after a weight change multiplies the weights as they are, the second
    /// packs them, and a later one reuses the packing (the tests run two before changing anything, so a packed copy exists
    /// and would be used if a change went unnoticed).
    /// </summary>
    private void ForwardAndCheck(Engine.Net net, bool transpose, string when)
    {
        for (int pass = 1; pass <= 3; pass++)
        {
            net.Forward();
            AssertOutputMatchesWeights(net, transpose, $"{when}, pass {pass}");
        }
    }

    /// <summary>Asserts the layer's output is x·Wᵀ + b (or x·W + b) for the weights the blobs hold now.</summary>
    private void AssertOutputMatchesWeights(Engine.Net net, bool transpose, string when)
    {
        var layer = net.GetLayer("ip");
        ReadOnlySpan<float> x = net.GetBlob("data").Data, w = layer.Blobs[0].Data, b = layer.Blobs[1].Data, y = net.GetBlob("ip").Data;
        for (int i = 0; i < _batch; i++)
        for (int j = 0; j < _outputs; j++)
        {
            double sum = b[j], scale = Math.Abs(b[j]);
            for (int p = 0; p < Inputs; p++)
            {
                double term = (double)x[i * Inputs + p] * (transpose ? w[p * _outputs + j] : w[j * Inputs + p]);
                sum += term;
                scale += Math.Abs(term);
            }
            Assert.That(y[i * _outputs + j], Is.EqualTo(sum).Within(1e-6 * scale + 1e-6), $"{when}: ip[{i},{j}]");
        }
    }

    [TestCase(false)]
    [TestCase(true)]
    public void DirectWeightWriteIsSeenByTheNextForward(bool transpose)
    {
        using var net = BuildNet(transpose, 1);
        ForwardAndCheck(net, transpose, "first forward");
        Span<float> w = net.GetLayer("ip").Blobs[0].MutableData;
        for (int i = 0; i < w.Length; i += 3) w[i] = -2 * w[i] + 0.01f;
        ForwardAndCheck(net, transpose, "after a MutableData write");
    }

    [TestCase(false)]
    [TestCase(true)]
    public void SolverStepIsSeenByTheNextForward(bool transpose)
    {
        SolverParameter param = NetDefinitions.ParseSolver(
            "base_lr: 0.5 momentum: 0.9 lr_policy: \"fixed\" max_iter: 10 random_seed: 1 type: \"SGD\"", "solver.prototxt");
        param.NetParam = NetDefinitions.ParseNet(NetText(transpose), "fc.prototxt");
        using Solver solver = SolverRegistry.CreateDefault().Create(param, new SolverContext(TestData.Registry) { Backend = new CpuBackend(_pool) });
        Fill(solver.Net);
        float[] before = solver.Net.GetLayer("ip").Blobs[0].Data.ToArray();
        ForwardAndCheck(solver.Net, transpose, "before training");
        for (int step = 0; step < 3; step++)
        {
            solver.Step(1);
            ForwardAndCheck(solver.Net, transpose, $"after step {step + 1}");
        }
        Assert.That(solver.Net.GetLayer("ip").Blobs[0].Data.ToArray(), Is.Not.EqualTo(before), "the steps changed the weights");
    }

    [Test]
    public void CopyTrainedLayersFromIsSeenByTheNextForward()
    {
        using var trained = BuildNet(false, 1);
        using var net = BuildNet(false, 2);
        ForwardAndCheck(net, false, "before the copy");
        float[] stale = net.GetBlob("ip").Data.ToArray();
        net.CopyTrainedLayersFrom(trained.ToProto());
        ForwardAndCheck(net, false, "after CopyTrainedLayersFrom");
        trained.Forward();
        Assert.That(net.GetBlob("ip").Data.ToArray(), Is.EqualTo(trained.GetBlob("ip").Data.ToArray()));
        Assert.That(net.GetBlob("ip").Data.ToArray(), Is.Not.EqualTo(stale));
    }

    [Test]
    public void SharedWeightsAreSeenByTheNextForward()
    {
        using var trained = BuildNet(false, 1);
        using var net = BuildNet(false, 2);
        ForwardAndCheck(net, false, "before sharing");
        net.ShareTrainedLayersWith(trained);
        ForwardAndCheck(net, false, "after ShareTrainedLayersWith");
        // A write through the other net's blob lands in the shared memory, which this layer must see too.
        Span<float> w = trained.GetLayer("ip").Blobs[0].MutableData;
        w[0] += 1f;
        ForwardAndCheck(net, false, "after a write through the sharing net");
    }

    [Test]
    public void NetsSharingWeightsShareOnePackedCopyAndRepackOnceAfterAWrite()
    {
        using var trained = BuildNet(false, 1);
        using var net = BuildNet(false, 2);
        net.ShareTrainedLayersWith(trained);
        ForwardAndCheck(trained, false, "owner");
        ForwardAndCheck(net, false, "sharer");
        object? Packed(Engine.Net n) => ((Engine.Layers.InnerProductLayer)n.GetLayer("ip")).PackedWeightsForTests;
        object? shared = Packed(trained);
        Assert.That(shared, Is.Not.Null, "the third pass over unchanged weights uses a packed copy");
        Assert.That(Packed(net), Is.SameAs(shared), "a second packed copy of the same weights");

        trained.GetLayer("ip").Blobs[0].MutableData[0] += 1f;
        ForwardAndCheck(net, false, "sharer after a write");
        ForwardAndCheck(trained, false, "owner after a write");
        Assert.That(Packed(net), Is.Not.SameAs(shared), "the packing of the old weights is never changed in place");
        Assert.That(Packed(trained), Is.SameAs(Packed(net)), "after the write the nets share the new packed copy");
    }

    [Test]
    public void ForcedSgemmPathChangeRepacksTheWeights()
    {
        using var net = BuildNet(false, 3);
        ForwardAndCheck(net, false, "default path");
        try
        {
            foreach (var path in new[] { SgemmPath.Portable, SgemmPath.Avx2, SgemmPath.Auto })
            {
                if (!SgemmPathSelector.IsSupported(path)) continue;
                SgemmPathSelector.Forced = path;
                ForwardAndCheck(net, false, $"on path {path}");
            }
        }
        finally
        {
            SgemmPathSelector.Forced = SgemmPath.Auto;
        }
    }

    [TestCase(false)]
    [TestCase(true)]
    public void FewOutputsRunTransposedAndMatchTheWeights(bool transpose)
    {
        // A classifier head (few outputs, a larger batch) takes the transposed forward pass.
        (_batch, _outputs) = (45, 5);
        using var net = BuildNet(transpose, 5);
        ForwardAndCheck(net, transpose, "transposed pass");
        Span<float> w = net.GetLayer("ip").Blobs[0].MutableData;
        w[7] += 0.5f;
        ForwardAndCheck(net, transpose, "transposed pass after a weight write");
    }

    [Test]
    public void InferenceForwardAllocatesNothingWhenWarm()
    {
        using var net = BuildNet(false, 4);
        for (int i = 0; i < 3; i++) net.Forward();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++) net.Forward();
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }
}
