using Engine.Backends.OpenCL;
using Engine.Distributed;
using Engine.Formats;
using Engine.Layers;
using Engine.Solvers;
using Engine.Tests.OpenCL;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.Distributed;

/// <summary><c>--device opencl:0,0</c>: two replicas on one OpenCL device (separate contexts) train like one net of the whole batch.</summary>
[TestFixture]
public sealed class OpenCLReplicaTests : OpenCLTestBase
{
    private const int Samples = 128;
    private const int Inputs = 12;

    private static Solver CreateSolver(int batch, Backend backend) => SolverRegistry.CreateDefault().Create(
        NetDefinitions.ParseSolver($$"""
            base_lr: 0.05 momentum: 0.9 lr_policy: "fixed" random_seed: 5 max_iter: 20 display: 0
            net_param {
              name: "clreplicas"
              layer { name: "data" type: "MemoryData" top: "data" top: "label"
                      memory_data_param { batch_size: {{batch}} channels: {{Inputs}} height: 1 width: 1 } }
              layer { name: "ip1" type: "InnerProduct" bottom: "data" top: "h" inner_product_param { num_output: 16 weight_filler { type: "xavier" } } }
              layer { name: "relu" type: "ReLU" bottom: "h" top: "h" }
              layer { name: "ip2" type: "InnerProduct" bottom: "h" top: "out" inner_product_param { num_output: 3 weight_filler { type: "xavier" } } }
              layer { name: "loss" type: "SoftmaxWithLoss" bottom: "out" bottom: "label" top: "loss" }
            }
            """, "clreplicas.prototxt"),
        new SolverContext(TestData.Registry) { Backend = backend });

    private static void Fill(Engine.Net net)
    {
        float[] data = TestData.Uniform([Samples, Inputs], seed: 8).Data.ToArray();
        var labels = new float[Samples];
        for (int n = 0; n < Samples; n++)
        {
            labels[n] = n % 3;
            data[n * Inputs + n % 3] += 1f;
        }
        ((MemoryDataLayer)net.GetLayer("data")).Reset(data, labels, Samples);
    }

    private static float[] Weights(Solver solver) => solver.Net.LearnableParams.SelectMany(p => p.Data.ToArray()).ToArray();

    [Test]
    public void TwoReplicasOnOneDeviceTrainLikeOneReplicaOfTheFullBatch()
    {
        IReadOnlyList<Backend> backends = BackendSelection.ParseList("opencl:0,0");
        Assert.That(backends, Has.Count.EqualTo(2));
        Assert.That(backends[1], Is.Not.SameAs(backends[0]), "a device named twice gets its own backend");

        using Solver single = CreateSolver(32, Cl);
        Fill(single.Net);
        single.Step(20);

        using Solver replicated = CreateSolver(16, backends[0]);
        using var reducer = new LocalReplicaReducer(replicated, [backends[1]]);
        Fill(replicated.Net);
        Fill(reducer.Replicas[0]);
        replicated.Step(20);

        using Solver half = CreateSolver(16, Cl);
        Fill(half.Net);
        half.Step(20);

        float[] expected = Weights(single);
        AssertClose(expected, Weights(replicated), 1e-4, "2 replicas × 16 vs 1 × 32");
        Assert.That(Weights(half), Is.Not.EqualTo(expected).Within(1e-3f), "one replica of half the batch must differ");
    }
}
