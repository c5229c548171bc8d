using Engine.Formats;
using Engine.Proto;
using Engine.Tests.Formats;
using NUnit.Framework;

namespace Engine.Tests.Editor;

[TestFixture]
public sealed class UpgradeCommandTests
{
    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    [Test]
    public void V1Net_IsWrittenInTheCurrentLayout()
    {
        string old = FormatsFixtures.PathOf("alexnet_v1.prototxt");
        string target = Path.Combine(_dir.Path, "alexnet.prototxt");
        int v1Layers = Prototxt.ParseFile<NetParameter>(old).Layers.Count;

        var (code, output, errors) = CliRunner.Run("upgrade", old, target);

        Assert.That(code, Is.EqualTo(0), errors);
        var written = Prototxt.ParseFile<NetParameter>(target);
        Assert.That(written.Layers, Is.Empty);
        Assert.That(written.Layer, Has.Count.EqualTo(v1Layers));
        Assert.That(NetUpgrader.NeedsUpgrade(written), Is.False);
        Assert.That(written, Is.EqualTo(NetDefinitions.LoadNet(old)));
        Assert.That(output, Does.Contain("V1 layout").And.Contain("CONVOLUTION→Convolution").And.Contain("transform_param"));
        Assert.That(Directory.GetFiles(_dir.Path), Has.Length.EqualTo(1), "no temporary file left behind");
    }

    [Test]
    public void V0Net_WithLegacyInputs_IsUpgraded()
    {
        string old = FormatsFixtures.PathOf("lenet_v0.prototxt");
        string target = Path.Combine(_dir.Path, "lenet.prototxt");

        var (code, output, errors) = CliRunner.Run("upgrade", old, target);

        Assert.That(code, Is.EqualTo(0), errors);
        Assert.That(output, Does.Contain("V0 layout").And.Contain("Input layer"));
        Assert.That(Prototxt.ParseFile<NetParameter>(target).Layer[0].Type, Is.EqualTo("Input"));
    }

    [Test]
    public void LegacySolver_GetsATypeString()
    {
        string old = FormatsFixtures.PathOf("lenet_solver.prototxt");
        string target = Path.Combine(_dir.Path, "solver.prototxt");

        var (code, output, errors) = CliRunner.Run("upgrade", old, target);

        Assert.That(code, Is.EqualTo(0), errors);
        var written = Prototxt.ParseFile<SolverParameter>(target);
        Assert.That(written.HasSolverType, Is.False);
        Assert.That(written.Type, Is.EqualTo("Nesterov"));
        Assert.That(written.HasSnapshotPrefix, Is.False, "the snapshot prefix is a load-time default, not part of the file");
        Assert.That(output, Does.Contain("solver_type: NESTEROV"));
    }

    [Test]
    public void CurrentNet_IsReportedAsAlreadyCurrent()
    {
        string old = _dir.Write("mlp.prototxt", CheckNets.Mlp);
        string target = Path.Combine(_dir.Path, "out.prototxt");

        var (code, output, _) = CliRunner.Run("upgrade", old, target);

        Assert.That(code, Is.EqualTo(0));
        Assert.That(output, Does.Contain("already current"));
        Assert.That(Prototxt.ParseFile<NetParameter>(target), Is.EqualTo(Prototxt.ParseFile<NetParameter>(old)));
    }

    [Test]
    public void MalformedInput_IsAnError_AndWritesNothing()
    {
        string old = _dir.Write("bad.prototxt", "layers {\n  name: \"a\"\n  type: NOT_A_TYPE\n}\n");
        string target = Path.Combine(_dir.Path, "out.prototxt");

        var (code, _, errors) = CliRunner.Run("upgrade", old, target);

        Assert.That(code, Is.EqualTo(1));
        Assert.That(errors, Does.StartWith($"{old}:3:9: "));
        Assert.That(File.Exists(target), Is.False);
    }

    [Test]
    public void WrongArgumentCount_IsAnError()
    {
        Assert.That(CliRunner.Run("upgrade", "only-one.prototxt").Code, Is.EqualTo(1));
    }
}
