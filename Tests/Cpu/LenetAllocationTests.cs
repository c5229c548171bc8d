using Engine.Backends.Cpu;
using Engine.Formats;
using Engine.Proto;
using Engine.Solvers;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.Cpu;

/// <summary>
/// The training hot path of a real net allocates nothing once warm: Caffe's LeNet (batch 64) forward+backward, an SGD update
/// (momentum and weight decay) and a whole solver iteration, on a two-thread pool so the batch-splitting paths run too.
/// </summary>
[TestFixture]
public class LenetAllocationTests
{
    private WorkerPool _pool = null!;

    [SetUp]
    public void CreatePool() => _pool = new WorkerPool(2);

    [TearDown]
    public void DisposePool() => _pool.Dispose();

    private Solver CreateSolver()
    {
        SolverParameter param = NetDefinitions.ParseSolver(
            "base_lr: 0.01 momentum: 0.9 weight_decay: 0.0005 lr_policy: \"inv\" gamma: 0.0001 power: 0.75 max_iter: 100 random_seed: 1 type: \"SGD\"",
            "lenet_solver.prototxt");
        param.NetParam = NetDefinitions.ParseNet(TestNets.LeNetTrainBatch64, "lenet.prototxt");
        Solver solver = SolverRegistry.CreateDefault().Create(param, new SolverContext(TestData.Registry) { Backend = new CpuBackend(_pool) });
        Fill(solver.Net);
        return solver;
    }

    private static void Fill(Engine.Net net)
    {
        TestData.Uniform([64, 1, 28, 28], 5).Data.CopyTo(net.GetBlob("data").MutableData);
        Span<float> labels = net.GetBlob("label").MutableData;
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = (i * 7) % 10;
        }
    }

    [Test]
    public void ForwardBackward_AllocatesNothingAfterWarmUp()
    {
        using Solver solver = CreateSolver();
        Engine.Net net = solver.Net;
        for (int i = 0; i < 2; i++)
        {
            net.ClearParamDiffs();
            net.ForwardBackward();
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 3; i++)
        {
            net.ClearParamDiffs();
            net.ForwardBackward();
        }
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.EqualTo(0));
    }

    [Test]
    public void SgdUpdate_AllocatesNothingAfterWarmUp()
    {
        using Solver solver = CreateSolver();
        Engine.Net net = solver.Net;
        net.ClearParamDiffs();
        net.ForwardBackward();
        // Several warm-up updates, not one: until the JIT has tiered the update path up, tier-0 code heap-allocates what the
        // optimised code keeps on the stack, and when tier-up lands depends on what ran before in the process.
        for (int i = 0; i < 50; i++)
        {
            solver.ApplyGradients();
        }
        float[] before = net.LearnableParams[0].Data.ToArray();
        long bytes = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 3; i++)
        {
            solver.ApplyGradients();
        }
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - bytes, Is.EqualTo(0));
        Assert.That(net.LearnableParams[0].Data.ToArray(), Is.Not.EqualTo(before), "the update must change the weights");
    }

    [Test]
    public void SolverStep_AllocatesNothingAfterWarmUp()
    {
        using Solver solver = CreateSolver();
        solver.Step(2);
        long before = GC.GetAllocatedBytesForCurrentThread();
        solver.Step(3);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.EqualTo(0));
        Assert.That(solver.Iter, Is.EqualTo(5));
    }
}
