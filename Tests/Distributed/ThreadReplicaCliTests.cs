using Engine.Tests.Editor;
using NUnit.Framework;

namespace Engine.Tests.Distributed;

/// <summary><c>engine train --replicas N</c>: CPU thread replicas that split the solver's batch.</summary>
[TestFixture]
public sealed class ThreadReplicaCliTests
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
    public void TrainWithTwoReplicasSplitsTheBatchAndWritesTheModel()
    {
        _dir.Write("net.prototxt", Net);
        string solver = _dir.Write("solver.prototxt", Solver);
        (int code, string output, string errors) = CliRunner.Run("train", "--solver", solver, "--threads", "2", "--replicas", "2", "--no-color");
        Assert.That(code, Is.EqualTo(0), errors);
        Assert.That(output, Does.Contain("2 CPU replicas, one thread each, each on 1/2 of batch_size"));
        Assert.That(output, Does.Contain("Progress: iteration 4/4"));
        Assert.That(File.Exists(Path.Combine(_dir.Path, "snaps", "tiny_iter_4.caffemodel")), Is.True, output);
    }

    [Test]
    public void BadReplicaCountsAreRefusedWithTheCulprit()
    {
        _dir.Write("net.prototxt", Net);
        string solver = _dir.Write("solver.prototxt", Solver);

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
