using Engine.Backends.OpenCL;
using Engine.Tests.Editor;
using NUnit.Framework;

namespace Engine.Tests.Distributed;

/// <summary><c>engine train --device a,b</c>: a comma list of devices trains one replica per device.</summary>
[TestFixture]
public sealed class DeviceListTests
{
    private const string Net = """
        name: "tiny"
        layer { name: "data" type: "DummyData" top: "data" top: "label"
                dummy_data_param { shape { dim: 4 dim: 6 } shape { dim: 4 } data_filler { type: "gaussian" std: 1 } data_filler { type: "constant" value: 1 } } }
        layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param { num_output: 3 weight_filler { type: "xavier" } } }
        layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
        """;

    private const string Solver = """
        net: "net.prototxt" base_lr: 0.05 lr_policy: "fixed" display: 2 max_iter: 4 snapshot_prefix: "snaps/tiny" random_seed: 1
        """;

    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory();

    [TearDown]
    public void TearDown() => _dir.Dispose();

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
        _dir.Write("net.prototxt", Net);
        string solver = _dir.Write("solver.prototxt", Solver);
        (int code, string output, string errors) = CliRunner.Run("train", "--solver", solver, "--device", "cpu,cpu", "--no-color");
        Assert.That(code, Is.EqualTo(0), errors);
        Assert.That(output, Does.Contain("2 replicas (cpu, cpu)"));
        Assert.That(output, Does.Contain("Progress: iteration 4/4"));
        Assert.That(File.Exists(Path.Combine(_dir.Path, "snaps", "tiny_iter_4.caffemodel")), Is.True, output);

        (code, _, errors) = CliRunner.Run("train", "--solver", solver, "--device", "cpu,nope", "--no-color");
        Assert.That(code, Is.EqualTo(1));
        Assert.That(errors, Does.Contain("'nope'"));
    }
}
