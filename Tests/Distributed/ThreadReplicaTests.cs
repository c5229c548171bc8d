using Engine.Backends.Cpu;
using Engine.Distributed;
using Engine.Formats;
using Engine.Layers;
using Engine.Proto;
using Engine.Solvers;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.Distributed;

/// <summary>
/// CPU thread replicas (<c>engine train --replicas N</c>): the global batch split over replicas that share the solver
/// net's weights, one thread each, trains like one net on the whole batch.
/// </summary>
[TestFixture]
public sealed class ThreadReplicaTests
{
    private const int Samples = 256;
    private const int Pixels = 12 * 12;
    private const int Steps = 20;

    private readonly List<WorkerPool> _pools = [];

    [TearDown]
    public void DisposePools()
    {
        foreach (WorkerPool pool in _pools)
        {
            pool.Dispose();
        }
        _pools.Clear();
    }

    /// <summary>A small LeNet: convolution, max pooling, two inner products with ReLU, softmax loss; Caffe's SGD settings.</summary>
    internal static SolverParameter LenetLike(int batch, string extraLayers = "") => NetDefinitions.ParseSolver($$"""
        base_lr: 0.05 momentum: 0.9 weight_decay: 0.0005 lr_policy: "inv" gamma: 0.0001 power: 0.75 random_seed: 5 max_iter: 100 display: 0
        net_param {
          name: "lenet_like"
          layer { name: "data" type: "MemoryData" top: "data" top: "label"
                  memory_data_param { batch_size: {{batch}} channels: 1 height: 12 width: 12 } }
          layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1" param { lr_mult: 1 } param { lr_mult: 2 }
                  convolution_param { num_output: 6 kernel_size: 3 weight_filler { type: "xavier" } bias_filler { type: "constant" } } }
          {{extraLayers}}
          layer { name: "pool1" type: "Pooling" bottom: "conv1" top: "pool1" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
          layer { name: "ip1" type: "InnerProduct" bottom: "pool1" top: "ip1" param { lr_mult: 1 } param { lr_mult: 2 }
                  inner_product_param { num_output: 32 weight_filler { type: "xavier" } bias_filler { type: "constant" } } }
          layer { name: "relu1" type: "ReLU" bottom: "ip1" top: "ip1" }
          layer { name: "ip2" type: "InnerProduct" bottom: "ip1" top: "ip2" param { lr_mult: 1 } param { lr_mult: 2 }
                  inner_product_param { num_output: 4 weight_filler { type: "xavier" } bias_filler { type: "constant" } } }
          layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip2" bottom: "label" top: "loss" }
        }
        """, "lenet_like_solver.prototxt");

    private Solver Create(SolverParameter param, int threads = 1)
    {
        var pool = new WorkerPool(threads);
        _pools.Add(pool);
        return SolverRegistry.CreateDefault().Create(param, new SolverContext(TestData.Registry) { Backend = new CpuBackend(pool) });
    }

    /// <summary>Four classes, each marked by a brighter 3×3 patch at its own place on uniform noise.</summary>
    internal static void Fill(Engine.Net net, int samples = Samples)
    {
        float[] data = TestData.Uniform([samples, Pixels], seed: 13).Data.ToArray();
        var labels = new float[samples];
        for (int n = 0; n < samples; n++)
        {
            int label = (n * 7) % 4;
            labels[n] = label;
            int corner = label switch { 0 => 0, 1 => 8, 2 => 8 * 12, _ => 8 * 12 + 8 };
            for (int y = 0; y < 3; y++)
            {
                for (int x = 0; x < 3; x++)
                {
                    data[n * Pixels + corner + y * 12 + x] += 1.5f;
                }
            }
        }
        ((MemoryDataLayer)net.GetLayer("data")).Reset(data, labels, samples);
    }

    private static float[] Weights(Solver solver) => solver.Net.LearnableParams.SelectMany(p => p.Data.ToArray()).ToArray();

    private static float MaxAbsDifference(float[] a, float[] b) => a.Zip(b, (x, y) => MathF.Abs(x - y)).Max();

    [Test]
    public void TwoReplicasOfHalfTheBatchTrainLikeOneNetOnTheWholeBatch()
    {
        using Solver single = Create(LenetLike(64));
        Fill(single.Net);
        single.Step(Steps);

        using Solver replicated = Create(ReplicaBatchSplit.Apply(LenetLike(64), 2, null));
        using var reducer = new ThreadReplicaReducer(replicated, 2);
        Fill(replicated.Net);
        Fill(reducer.Replicas[0]);
        replicated.Step(Steps);

        using Solver half = Create(LenetLike(32));
        Fill(half.Net);
        half.Step(Steps);

        Assert.That(replicated.Net.GetBlob("data").ShapeAt(0), Is.EqualTo(32));
        float[] expected = Weights(single);
        // Each replica sums 32 per-sample gradients and the two means are averaged, where one net sums 64 in one GEMM:
        // only the float summation order differs (relative 1e-7 per step); after 20 momentum steps the weights (magnitude
        // below 1) agree to 1.2e-7 observed, asserted below 1e-5 to leave room for other SIMD widths and GEMM blockings.
        float difference = MaxAbsDifference(Weights(replicated), expected);
        TestContext.Out.WriteLine($"2 x 32 against 1 x 64 after {Steps} steps: max |weight difference| {difference:G3}");
        Assert.That(difference, Is.LessThan(1e-5f));
        // The comparison can fail: one net on half the batch (half the data per step) ends elsewhere.
        Assert.That(MaxAbsDifference(Weights(half), expected), Is.GreaterThan(1e-3f));
        // The replica reads and updates the solver net's own weights, not a copy.
        Assert.That(reducer.Replicas[0].LearnableParams[0].Data.ToArray(), Is.EqualTo(replicated.Net.LearnableParams[0].Data.ToArray()));
        Assert.That(replicated.SmoothedLoss, Is.EqualTo(single.SmoothedLoss).Within(1e-4f));
    }

    [Test]
    public void TrainingIsTheSameOnEveryRun()
    {
        float[] Run()
        {
            using Solver solver = Create(ReplicaBatchSplit.Apply(LenetLike(64), 2, null));
            using var reducer = new ThreadReplicaReducer(solver, 2);
            Fill(solver.Net);
            Fill(reducer.Replicas[0]);
            solver.Step(5);
            return Weights(solver);
        }

        float[] first = Run();
        Assert.That(Run(), Is.EqualTo(first), "the gradient sum must not depend on which thread finishes first");
    }

    [Test]
    public void ThreeReplicasSplitABatchOf48()
    {
        // 192 samples: a multiple of the global batch, as MemoryData requires.
        using Solver single = Create(LenetLike(48));
        Fill(single.Net, 192);
        single.Step(10);

        using Solver replicated = Create(ReplicaBatchSplit.Apply(LenetLike(48), 3, null));
        using var reducer = new ThreadReplicaReducer(replicated, 3);
        Fill(replicated.Net, 192);
        foreach (Engine.Net replica in reducer.Replicas)
        {
            Fill(replica, 192);
        }
        replicated.Step(10);

        Assert.That(reducer.ReplicaCount, Is.EqualTo(3));
        Assert.That(MaxAbsDifference(Weights(replicated), Weights(single)), Is.LessThan(1e-5f));
    }

    [Test]
    public void BatchNormIsRefusedByName()
    {
        const string norm = """layer { name: "bn1" type: "BatchNorm" bottom: "conv1" top: "conv1" }""";
        Assert.That(() => ReplicaBatchSplit.Apply(LenetLike(64, norm), 2, null),
            Throws.TypeOf<SolverException>().With.Message.Contains("'bn1'").And.Message.Contains("BatchNorm").And.Message.Contains("without replicas"));
    }

    [Test]
    public void ABatchThatDoesNotDivideIsRefusedByLayerAndValue()
    {
        Assert.That(() => ReplicaBatchSplit.Apply(LenetLike(30), 4, null),
            Throws.TypeOf<SolverException>().With.Message.Contains("'data'").And.Message.Contains("memory_data_param.batch_size is 30").And.Message.Contains("4 replicas"));
    }

    [Test]
    public void OnlyTheTrainNetIsSplitAndTheTestNetsStay()
    {
        SolverParameter param = NetDefinitions.ParseSolver("""
            base_lr: 0.1 lr_policy: "fixed" test_iter: 2 test_interval: 10
            net_param {
              name: "phases"
              layer { name: "train_data" type: "DummyData" top: "data" top: "label" include { phase: TRAIN }
                      dummy_data_param { shape { dim: 8 dim: 3 } shape { dim: 8 } } }
              layer { name: "test_data" type: "DummyData" top: "data" top: "label" include { phase: TEST }
                      dummy_data_param { shape { dim: 5 dim: 3 } shape { dim: 5 } } }
              layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param { num_output: 2 } }
              layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
            }
            """, "phases.prototxt");
        SolverParameter split = ReplicaBatchSplit.Apply(param, 2, null);
        using Solver solver = Create(split);
        Assert.That(solver.Net.GetBlob("data").ShapeAt(0), Is.EqualTo(4));
        Assert.That(solver.Net.GetBlob("label").ShapeAt(0), Is.EqualTo(4));
        Assert.That(solver.TestNets, Has.Count.EqualTo(1));
        Assert.That(solver.TestNets[0].GetBlob("data").ShapeAt(0), Is.EqualTo(5), "a test batch of 5 is not split (and need not divide)");
        Assert.That(param.NetParam, Is.Not.Null, "the caller's definition is not changed");
    }

    [Test]
    public void ASolverOnAMultiThreadPoolIsRefused()
    {
        using Solver solver = Create(ReplicaBatchSplit.Apply(LenetLike(64), 2, null), threads: 2);
        Assert.That(() => new ThreadReplicaReducer(solver, 2), Throws.TypeOf<SolverException>().With.Message.Contains("2 threads"));
        Assert.That(solver.GradientReducer, Is.Null);
    }

    [Test]
    public void AFailingReplicaStopsTheStepAndTheNextStepStillWorks()
    {
        using Solver solver = Create(ReplicaBatchSplit.Apply(LenetLike(64), 2, null));
        using var reducer = new ThreadReplicaReducer(solver, 2);
        Fill(solver.Net);
        // The extra replica's MemoryData has no data yet: its forward pass throws on the replica thread.
        Assert.That(() => solver.Step(1), Throws.InstanceOf<Exception>());
        Fill(reducer.Replicas[0]);
        solver.Step(2);
        Assert.That(solver.Iter, Is.EqualTo(2));
    }
}
