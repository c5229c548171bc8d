using Engine.Backends.Cpu;
using Engine.Distributed;
using Engine.Formats;
using Engine.Layers;
using Engine.Proto;
using Engine.Solvers;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.Distributed;

/// <summary>Several replicas in one process (the interface behind <c>--device opencl:0,1</c>), tested with CPU replicas.</summary>
[TestFixture]
public sealed class LocalReplicaTests
{
    private const int Samples = 256;
    private const int Inputs = 16;

    private static Solver CreateSolver(int batch) => SolverRegistry.CreateDefault().Create(
        NetDefinitions.ParseSolver($$"""
            base_lr: 0.05 momentum: 0.9 weight_decay: 0.0005 lr_policy: "fixed" random_seed: 3 max_iter: 30 display: 0
            net_param {
              name: "replicas"
              layer { name: "data" type: "MemoryData" top: "data" top: "label"
                      memory_data_param { batch_size: {{batch}} channels: {{Inputs}} height: 1 width: 1 } }
              layer { name: "ip1" type: "InnerProduct" bottom: "data" top: "h" inner_product_param { num_output: 24 weight_filler { type: "xavier" } } }
              layer { name: "relu" type: "ReLU" bottom: "h" top: "h" }
              layer { name: "ip2" type: "InnerProduct" bottom: "h" top: "out" inner_product_param { num_output: 4 weight_filler { type: "xavier" } } }
              layer { name: "loss" type: "SoftmaxWithLoss" bottom: "out" bottom: "label" top: "loss" }
            }
            """, "replicas.prototxt"),
        new SolverContext(TestData.Registry));

    private static void Fill(Engine.Net net)
    {
        float[] data = TestData.Uniform([Samples, Inputs], seed: 21).Data.ToArray();
        var labels = new float[Samples];
        for (int n = 0; n < Samples; n++)
        {
            labels[n] = n % 4;
            data[n * Inputs + n % 4] += 1f;
        }
        ((MemoryDataLayer)net.GetLayer("data")).Reset(data, labels, Samples);
    }

    private static float[] Weights(Solver solver) => solver.Net.LearnableParams.SelectMany(p => p.Data.ToArray()).ToArray();

    [Test]
    public void TwoReplicasOfBatch16TrainLikeOneNetOfBatch32()
    {
        using Solver single = CreateSolver(32);
        Fill(single.Net);
        single.Step(30);

        using Solver replicated = CreateSolver(16);
        using var pool = new WorkerPool(1);
        using var reducer = new LocalReplicaReducer(replicated, [new CpuBackend(pool)]);
        Fill(replicated.Net);
        Fill(reducer.Replicas[0]);
        replicated.Step(30);

        using Solver half = CreateSolver(16);
        Fill(half.Net);
        half.Step(30);

        float[] expected = Weights(single);
        // Per-sample gradients summed in two halves then added, instead of in one pass: float rounding only.
        Assert.That(Weights(replicated), Is.EqualTo(expected).Within(1e-5f));
        Assert.That(Weights(half), Is.Not.EqualTo(expected).Within(1e-3f));
        Assert.That(reducer.ReplicaCount, Is.EqualTo(2));
    }

    [Test]
    public void IterSizeAboveOneIsRejectedByName()
    {
        SolverParameter param = NetDefinitions.ParseSolver("""
            base_lr: 0.1 lr_policy: "fixed" iter_size: 2
            net_param { name: "n" layer { name: "x" type: "DummyData" top: "x" dummy_data_param { shape { dim: 1 dim: 2 } } } }
            """, "n.prototxt");
        using Solver solver = SolverRegistry.CreateDefault().Create(param, new SolverContext(TestData.Registry));
        Assert.That(() => new LocalReplicaReducer(solver, [Backend.Cpu]), Throws.TypeOf<SolverException>().With.Message.Contains("iter_size: 1"));
    }
}
