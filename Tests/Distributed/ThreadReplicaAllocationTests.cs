using Engine.Backends.Cpu;
using Engine.Distributed;
using Engine.Formats;
using Engine.Proto;
using Engine.Solvers;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.Distributed;

/// <summary>
/// A training step on two thread replicas (Caffe's LeNet, batch 64 split 2 × 32) allocates nothing once warm: neither on
/// the solver's thread, which runs replica 0, the wake-ups and its half of the gradient sum, nor on the replica thread.
/// </summary>
[TestFixture]
public sealed class ThreadReplicaAllocationTests
{
    private static void Fill(Engine.Net net, int seed)
    {
        TestData.Uniform([32, 1, 28, 28], (ulong)seed).Data.CopyTo(net.GetBlob("data").MutableData);
        Span<float> labels = net.GetBlob("label").MutableData;
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = (i * 7 + seed) % 10;
        }
    }

    [Test]
    public void SolverStepOnTwoReplicas_AllocatesNothingAfterWarmUp()
    {
        SolverParameter param = NetDefinitions.ParseSolver(
            "base_lr: 0.01 momentum: 0.9 weight_decay: 0.0005 lr_policy: \"inv\" gamma: 0.0001 power: 0.75 max_iter: 100 random_seed: 1 type: \"SGD\"",
            "lenet_solver.prototxt");
        param.NetParam = NetDefinitions.ParseNet(TestNets.LeNetTrainBatch64, "lenet.prototxt");
        using var pool = new WorkerPool(1);
        using Solver solver = SolverRegistry.CreateDefault().Create(ReplicaBatchSplit.Apply(param, 2, null),
            new SolverContext(TestData.Registry) { Backend = new CpuBackend(pool) });
        using var reducer = new ThreadReplicaReducer(solver, 2);
        Fill(solver.Net, 1);
        Fill(reducer.Replicas[0], 2);

        // Several warm-up steps: tier-0 JIT code may allocate what tiered-up code keeps on the stack.
        solver.Step(30);
        float[] weights = solver.Net.LearnableParams[4].Data.ToArray();
        long main = GC.GetAllocatedBytesForCurrentThread();
        long worker = reducer.WorkerAllocatedBytes;
        solver.Step(3);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - main, Is.EqualTo(0), "solver thread");
        Assert.That(reducer.WorkerAllocatedBytes - worker, Is.EqualTo(0), "replica thread");
        Assert.That(solver.Iter, Is.EqualTo(33));
        Assert.That(solver.Net.LearnableParams[4].Data.ToArray(), Is.Not.EqualTo(weights), "the steps must train");
    }
}
