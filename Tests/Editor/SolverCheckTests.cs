using NUnit.Framework;

namespace Engine.Tests.Editor;

[TestFixture]
public sealed class SolverCheckTests
{
    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    private const string ValidSolver = """
        net: "mlp.prototxt"
        test_iter: 10
        test_interval: 100
        base_lr: 0.01
        lr_policy: "step"
        stepsize: 100
        gamma: 0.1
        max_iter: 1000
        type: "Adam"
        """;

    private static int LineOf(string path, string text) => 1 + File.ReadAllLines(path).ToList().FindIndex(l => l.Contains(text, StringComparison.Ordinal));

    [Test]
    public void ValidSolver_ChecksTrainAndTestNets_FoundBesideTheSolver()
    {
        _dir.Write("mlp.prototxt", CheckNets.Mlp);
        string solver = _dir.Write("solver.prototxt", ValidSolver);

        var (code, output, errors) = CliRunner.Run("check", solver);

        Assert.That(code, Is.EqualTo(0), errors);
        Assert.That(output, Does.Contain("train net").And.Contain("phase TRAIN"));
        Assert.That(output, Does.Contain("test net #0").And.Contain("phase TEST"));
        Assert.That(CheckCommandTests.TopShape(output, "ip2"), Is.EqualTo("32×10"));
    }

    [Test]
    public void LegacySolverType_IsUpgradedAndAccepted()
    {
        _dir.Write("mlp.prototxt", CheckNets.Mlp);
        string solver = _dir.Write("solver.prototxt", ValidSolver.Replace("type: \"Adam\"", "solver_type: NESTEROV\nmomentum: 0.9", StringComparison.Ordinal));

        var (code, output, errors) = CliRunner.Run("check", solver);

        Assert.That(code, Is.EqualTo(0), errors);
        Assert.That(output, Does.Contain("type Nesterov"));
    }

    [Test]
    public void UnknownLrPolicy_IsAnErrorAtTheField()
    {
        _dir.Write("mlp.prototxt", CheckNets.Mlp);
        string solver = _dir.Write("solver.prototxt", ValidSolver.Replace("\"step\"", "\"stepp\"", StringComparison.Ordinal));

        var (code, _, errors) = CliRunner.Run("check", solver);

        Assert.That(code, Is.EqualTo(1));
        Assert.That(errors, Does.Contain($"{solver}:{LineOf(solver, "lr_policy")}:1: unknown lr_policy \"stepp\" (did you mean \"step\"?)"));
    }

    [Test]
    public void MissingLrPolicy_IsAnError()
    {
        _dir.Write("mlp.prototxt", CheckNets.Mlp);
        string solver = _dir.Write("solver.prototxt", ValidSolver.Replace("lr_policy: \"step\"", "", StringComparison.Ordinal));

        var (code, _, errors) = CliRunner.Run("check", solver);

        Assert.That(code, Is.EqualTo(1));
        Assert.That(errors, Does.StartWith($"{solver}: lr_policy is not set"));
    }

    [Test]
    public void UnknownSolverType_IsAnErrorAtTheField()
    {
        _dir.Write("mlp.prototxt", CheckNets.Mlp);
        string solver = _dir.Write("solver.prototxt", ValidSolver.Replace("\"Adam\"", "\"Adamm\"", StringComparison.Ordinal));

        var (code, _, errors) = CliRunner.Run("check", solver);

        Assert.That(code, Is.EqualTo(1));
        Assert.That(errors, Does.Contain($"{solver}:{LineOf(solver, "type:")}:1: unknown solver type \"Adamm\""));
    }

    [Test]
    public void StepPolicyWithoutStepsize_IsAnError()
    {
        _dir.Write("mlp.prototxt", CheckNets.Mlp);
        string solver = _dir.Write("solver.prototxt", ValidSolver.Replace("stepsize: 100", "", StringComparison.Ordinal));

        var (code, _, errors) = CliRunner.Run("check", solver);

        Assert.That(code, Is.EqualTo(1));
        Assert.That(errors, Does.Contain("needs stepsize > 0"));
    }

    [Test]
    public void MissingNetFile_IsAnErrorAtTheNetField()
    {
        string solver = _dir.Write("solver.prototxt", ValidSolver);

        var (code, _, errors) = CliRunner.Run("check", solver);

        Assert.That(code, Is.EqualTo(1));
        Assert.That(errors, Does.StartWith($"{solver}:1:1: train net 'mlp.prototxt' not found"));
    }

    [Test]
    public void ErrorInTheReferencedNet_NamesTheNetFile()
    {
        string net = _dir.Write("mlp.prototxt", CheckNets.Mlp.Replace("num_output: 10 }", "num_output: 0 }", StringComparison.Ordinal));
        string solver = _dir.Write("solver.prototxt", ValidSolver);

        var (code, _, errors) = CliRunner.Run("check", solver);

        Assert.That(code, Is.EqualTo(1));
        Assert.That(errors, Does.Contain($"{net}:{LineOf(net, "name: \"ip2\"")}:3: Layer 'ip2' (InnerProduct)"));
    }

    [Test]
    public void TestNetsWithoutTestInterval_IsAnError()
    {
        _dir.Write("mlp.prototxt", CheckNets.Mlp);
        string solver = _dir.Write("solver.prototxt", ValidSolver.Replace("test_interval: 100", "", StringComparison.Ordinal));

        var (code, _, errors) = CliRunner.Run("check", solver);

        Assert.That(code, Is.EqualTo(1));
        Assert.That(errors, Does.Contain("test_interval"));
    }

    [Test]
    public void StateOptions_AreRejectedForASolver()
    {
        _dir.Write("mlp.prototxt", CheckNets.Mlp);
        string solver = _dir.Write("solver.prototxt", ValidSolver);

        Assert.That(CliRunner.Run("check", solver, "--phase", "train").Code, Is.EqualTo(1));
    }

    [Test]
    public void FashionLenetSample_ChecksOut()
    {
        string solver = Path.Combine(Repository.Root(), "Samples", "FashionLenet", "lenet_solver.prototxt");

        var (code, output, errors) = CliRunner.Run("check", solver);

        // Without the dataset installed the data axes are unknown (a warning); the sizes the net fixes are checked either way.
        Assert.That(code, Is.EqualTo(0), errors);
        Assert.That(CheckCommandTests.TopShape(output, "ip1"), Is.EqualTo("64×500"));
        Assert.That(CheckCommandTests.TopShape(output, "ip2"), Is.EqualTo("64×10"));
        string testNet = output[output.IndexOf("test net #0", StringComparison.Ordinal)..];
        Assert.That(CheckCommandTests.TopShape(testNet, "ip2"), Is.EqualTo("100×10"), "the test net's batch");
        Assert.That(output, Does.Contain("phase TRAIN").And.Contain("phase TEST"));
    }
}
