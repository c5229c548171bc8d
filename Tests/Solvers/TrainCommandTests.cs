using Engine.Editor;
using Engine.Tests.Data;
using NUnit.Framework;

namespace Engine.Tests.Solvers;

/// <summary><c>engine train</c> end to end on a tiny generated IDX data set.</summary>
public class TrainCommandTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp()
    {
        _dir = SolverTestHelpers.TempDirectory();
        IdxTestFiles.WriteSet(_dir, "train", 12, 4, 4, 3);
        IdxTestFiles.WriteSet(_dir, "t10k", 6, 4, 4, 3);
        File.WriteAllText(Path.Combine(_dir, "net.prototxt"), """
            name: "tiny"
            layer { name: "d" type: "Data" top: "data" top: "label" include { phase: TRAIN }
                    data_param { source: "train-images-idx3-ubyte.gz" batch_size: 4 } transform_param { scale: 0.00390625 } }
            layer { name: "d" type: "Data" top: "data" top: "label" include { phase: TEST }
                    data_param { source: "t10k-images-idx3-ubyte.gz" batch_size: 3 } transform_param { scale: 0.00390625 } }
            layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param { num_output: 3 weight_filler { type: "xavier" } } }
            layer { name: "accuracy" type: "Accuracy" bottom: "ip" bottom: "label" top: "accuracy" include { phase: TEST } }
            layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
            """.Replace("source: \"", $"source: \"{_dir}/"));
        File.WriteAllText(Path.Combine(_dir, "solver.prototxt"), """
            net: "net.prototxt" test_iter: 2 test_interval: 5 base_lr: 0.1 momentum: 0.9 lr_policy: "fixed"
            display: 5 max_iter: 10 snapshot: 5 snapshot_prefix: "snaps/tiny" random_seed: 1
            """);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, true);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Program.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Test]
    public void Train_LogsLikeCaffe_SnapshotsAndResumes()
    {
        (int code, string output, string errors) = Run("train", "--solver", Path.Combine(_dir, "solver.prototxt"));
        Assert.That(code, Is.EqualTo(0), errors);
        Assert.That(output, Does.Contain("Iteration 0, loss = ").And.Contain("Iteration 5, lr = 0.1").And.Contain("    Train net output #0: loss = "));
        Assert.That(output, Does.Contain("Test net output #0: accuracy = ").And.Contain("Progress: iteration 5/10"));
        Assert.That(output, Does.Contain("Final test (net #0, iteration 10): accuracy = "));
        string model = Path.Combine(_dir, "snaps", "tiny_iter_10.caffemodel");
        Assert.That(output, Does.Contain($"Model saved to {model}"));
        Assert.That(File.Exists(model) && File.Exists(Path.Combine(_dir, "snaps", "tiny_iter_5.solverstate")), Is.True);

        (code, output, errors) = Run("train", "--solver", Path.Combine(_dir, "solver.prototxt"), "--snapshot", Path.Combine(_dir, "snaps", "tiny_iter_5.solverstate"), "--iterations", "12");
        Assert.That(code, Is.EqualTo(0), errors);
        Assert.That(output, Does.Contain("Restoring previous solver status").And.Contain("Iteration 5, loss = ").And.Not.Contain("Iteration 0, loss"));
        Assert.That(File.Exists(Path.Combine(_dir, "snaps", "tiny_iter_12.caffemodel")), Is.True);

        (code, output, errors) = Run("test", "--model", Path.Combine(_dir, "net.prototxt"), "--weights", model, "--iterations", "2");
        Assert.That(code, Is.EqualTo(0), errors);
        Assert.That(output, Does.Contain("accuracy = "));
    }

    [Test]
    public void Train_BadPolicy_ExitsOneWithTheFieldNamed()
    {
        string solver = Path.Combine(_dir, "solver.prototxt");
        File.WriteAllText(solver, File.ReadAllText(solver).Replace("\"fixed\"", "\"cosine\""));
        (int code, _, string errors) = Run("train", "--solver", Path.Combine(_dir, "solver.prototxt"));
        Assert.That(code, Is.EqualTo(1));
        Assert.That(errors, Does.Contain("solver.prototxt").And.Contain("unknown lr_policy \"cosine\""));
    }

    [Test]
    public void Train_MissingDataset_ExitsOneNamingThePackage()
    {
        File.WriteAllText(Path.Combine(_dir, "net.prototxt"), File.ReadAllText(Path.Combine(_dir, "net.prototxt")).Replace("train-images", "missing-images"));
        (int code, _, string errors) = Run("train", "--solver", Path.Combine(_dir, "solver.prototxt"));
        Assert.That(code, Is.EqualTo(1), errors);
        Assert.That(errors, Does.Contain("missing-images-idx3-ubyte.gz").And.Contain("apt-get install dataset-fashion-mnist"));
    }
}
