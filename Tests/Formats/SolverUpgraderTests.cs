using Engine.Formats;
using Engine.Proto;
using NUnit.Framework;

namespace Engine.Tests.Formats;

public class SolverUpgraderTests
{
    [Test]
    public void SolverFileIsParsedAndSolverTypeUpgraded()
    {
        string path = FormatsFixtures.PathOf("lenet_solver.prototxt");
        var solver = NetDefinitions.LoadSolver(path);
        Assert.That(solver.Type, Is.EqualTo("Nesterov"));
        Assert.That(solver.HasSolverType, Is.False);
        Assert.That(solver.Net, Is.EqualTo("lenet_train_test.prototxt"));
        Assert.That(solver.TestIter, Is.EqualTo(new[] { 100 }));
        Assert.That((solver.BaseLr, solver.Momentum, solver.WeightDecay, solver.Gamma, solver.Power), Is.EqualTo((0.01f, 0.9f, 0.0005f, 0.0001f, 0.75f)));
        Assert.That(solver.LrPolicy, Is.EqualTo("inv"));
        Assert.That(solver.SolverMode, Is.EqualTo(SolverParameter.Types.SolverMode.Cpu));
        Assert.That(solver.Stepvalue, Is.EqualTo(new[] { 1000, 2000 }));
        Assert.That(solver.SnapshotPrefix, Is.EqualTo(Path.ChangeExtension(path, null)));
        Assert.That(solver.RegularizationType, Is.EqualTo("L2"));
        Assert.That(solver.HasWarmupIter, Is.False);
    }

    [TestCase("SGD", "SGD")]
    [TestCase("NESTEROV", "Nesterov")]
    [TestCase("ADAGRAD", "AdaGrad")]
    [TestCase("RMSPROP", "RMSProp")]
    [TestCase("ADADELTA", "AdaDelta")]
    [TestCase("ADAM", "Adam")]
    public void EverySolverTypeMaps(string enumName, string typeName)
    {
        var solver = NetDefinitions.ParseSolver($"solver_type: {enumName}");
        Assert.That(solver.Type, Is.EqualTo(typeName));
        Assert.That(solver.HasSolverType, Is.False);
    }

    [Test]
    public void BothSolverTypeAndTypeIsAnError()
    {
        var ex = Assert.Throws<NetDefinitionException>(() => NetDefinitions.ParseSolver("type: 'Adam' solver_type: ADAM", "s.prototxt"))!;
        Assert.That(ex.Message, Does.StartWith("s.prototxt: solver sets both"));
    }

    [Test]
    public void CurrentSolverIsUnchanged()
    {
        var solver = Prototxt.Parse<SolverParameter>("type: 'Adam' base_lr: 0.001 lr_policy: 'fixed'");
        Assert.That(SolverUpgrader.Upgrade(solver), Is.False);
        Assert.That(solver.Type, Is.EqualTo("Adam"));
    }

    [Test]
    public void EmbeddedNetsAreUpgraded()
    {
        var solver = NetDefinitions.ParseSolver("net_param { layers { name: 'r' type: RELU } } test_net_param { input: 'x' input_dim: [1, 2, 3, 4] }");
        Assert.That(solver.NetParam.Layer.Single().Type, Is.EqualTo("ReLU"));
        Assert.That(solver.TestNetParam[0].Layer.Single().Type, Is.EqualTo("Input"));
    }

    [Test]
    public void EngineExtensionsParse()
    {
        var solver = Prototxt.Parse<SolverParameter>("warmup_iter: 500 warmup_start_factor: 0.1 l1_weight_decay: 1e-5");
        Assert.That((solver.WarmupIter, solver.WarmupStartFactor, solver.L1WeightDecay), Is.EqualTo((500, 0.1f, 1e-5f)));
        var layer = Prototxt.Parse<LayerParameter>(
            "gelu_param { approximate_tanh: true } maxout_param { num_pieces: 2 num_output: 8 weight_filler { type: 'xavier' } } layer_norm_param { }");
        Assert.That(layer.GeluParam.ApproximateTanh, Is.True);
        Assert.That((layer.MaxoutParam.NumPieces, layer.MaxoutParam.NumOutput), Is.EqualTo((2u, 8u)));
        Assert.That((layer.LayerNormParam.Axis, layer.LayerNormParam.Eps), Is.EqualTo((-1, 1e-5f)));
        Assert.That(LayerParameter.Descriptor.FindFieldByName("gelu_param").FieldNumber, Is.GreaterThanOrEqualTo(1000));
        Assert.That(SolverParameter.Descriptor.FindFieldByName("warmup_iter").FieldNumber, Is.EqualTo(1000));
    }

    [Test]
    public void SnapshotPrefixNamingADirectoryGetsTheSolverStem()
    {
        string dir = Path.Combine(Path.GetTempPath(), "engine-snap-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var solver = new SolverParameter { SnapshotPrefix = dir };
            Assert.That(SolverUpgrader.UpgradeSnapshotPrefix(solver, "/x/y/my_solver.prototxt"), Is.True);
            Assert.That(solver.SnapshotPrefix, Is.EqualTo(Path.Combine(dir, "my_solver")));
            var plain = new SolverParameter { SnapshotPrefix = "snapshots/run1" };
            Assert.That(SolverUpgrader.UpgradeSnapshotPrefix(plain, "/x/s.prototxt"), Is.False);
            Assert.That(plain.SnapshotPrefix, Is.EqualTo("snapshots/run1"));
        }
        finally
        {
            Directory.Delete(dir);
        }
    }
}
