using Engine.Backends.OpenCL;
using Engine.Tests.Editor;
using NUnit.Framework;

namespace Engine.Tests.Distributed;

/// <summary><c>engine train --device a,b</c>: a comma list of devices trains one replica per device.</summary>
[TestFixture]
internal sealed class DeviceListTests : TinyTrainingCliFixture
{
    [Test]
    public void ListsExpandBareIndicesAndGiveRepeatedDevicesTheirOwnBackend()
    {
        IReadOnlyList<Backend> cpus = BackendSelection.ParseList("cpu, CPU");
        Assert.That(cpus.Select(b => b.Name), Is.EqualTo(new[] { "cpu", "cpu" }));
        Assert.That(cpus[1], Is.Not.SameAs(cpus[0]));
        Assert.That(BackendSelection.ParseList("cpu").Single(), Is.SameAs(Backend.Cpu));
        Assert.That(() => BackendSelection.ParseList("cpu,", "--device"), Throws.ArgumentException.With.Message.Contains("--device").And.Message.Contains("empty item"));
        Assert.That(() => BackendSelection.ParseList("cpu,gpu", "--device"), Throws.ArgumentException.With.Message.Contains("'gpu'"));
    }

    [Test]
    public void TrainOnCpuCpuRunsTwoReplicasAndWritesTheModel()
    {
        string solver = WriteTinySolver();
        (int code, string output, string errors) = CliRunner.Run("train", "--solver", solver, "--device", "cpu,cpu", "--no-color");
        Assert.That(code, Is.EqualTo(0), errors);
        Assert.That(output, Does.Contain("2 replicas (cpu, cpu)"));
        Assert.That(output, Does.Contain("Progress: iteration 4/4"));
        Assert.That(File.Exists(FinalModelPath), Is.True, output);

        (code, _, errors) = CliRunner.Run("train", "--solver", solver, "--device", "cpu,nope", "--no-color");
        Assert.That(code, Is.EqualTo(1));
        Assert.That(errors, Does.Contain("'nope'"));
    }
}
