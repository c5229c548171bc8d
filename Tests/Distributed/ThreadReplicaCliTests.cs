using Engine.Tests.Editor;
using NUnit.Framework;

namespace Engine.Tests.Distributed;

/// <summary><c>engine train --replicas N</c>: CPU thread replicas that split the solver's batch.</summary>
[TestFixture]
internal sealed class ThreadReplicaCliTests : TinyTrainingCliFixture
{
    [Test]
    public void TrainWithTwoReplicasSplitsTheBatchAndWritesTheModel()
    {
        string solver = WriteTinySolver();
        (int code, string output, string errors) = CliRunner.Run("train", "--solver", solver, "--threads", "2", "--replicas", "2", "--no-color");
        Assert.That(code, Is.EqualTo(0), errors);
        Assert.That(output, Does.Contain("2 CPU replicas, one thread each, each on 1/2 of batch_size"));
        Assert.That(output, Does.Contain("Progress: iteration 4/4"));
        Assert.That(File.Exists(FinalModelPath), Is.True, output);
    }

    [Test]
    public void BadReplicaCountsAreRefusedWithTheCulprit()
    {
        string solver = WriteTinySolver();

        (int code, _, string errors) = CliRunner.Run("train", "--solver", solver, "--replicas", "3", "--no-color");
        Assert.That(code, Is.EqualTo(1));
        Assert.That(errors, Does.Contain("solver.prototxt").And.Contain("'data'").And.Contain("is 4, not divisible by 3 replicas"));

        (code, _, errors) = CliRunner.Run("train", "--solver", solver, "--threads", "4", "--replicas", "2", "--no-color");
        Assert.That(code, Is.EqualTo(1));
        Assert.That(errors, Does.Contain("--threads 4 with --replicas 2"));

        (code, _, errors) = CliRunner.Run("train", "--solver", solver, "--replicas", "2", "--device", "opencl:0", "--no-color");
        Assert.That(code, Is.EqualTo(1));
        Assert.That(errors, Does.Contain("--device opencl:0"));
    }
}
