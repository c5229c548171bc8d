using Engine.Proto;
using Engine.Solvers;
using Engine.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;

namespace Engine.Tests.Solvers;

/// <summary>Net selection, registry/DI, and clear errors for bad solver definitions.</summary>
public class SolverConstructionTests
{
    [TestCase("SDG", "Did you mean \"SGD\"")]
    [TestCase("Adamm", "Did you mean \"Adam\"")]
    [TestCase("LBFGS", "Known types: AdaDelta, AdaGrad, Adam, AdamW, Nesterov, RMSProp, SGD")]
    public void UnknownSolverType_IsAClearError(string type, string expected)
    {
        var e = Assert.Throws<SolverException>(() => SolverTestHelpers.Create($"{SolverTestHelpers.TinyIpNet} type: \"{type}\" base_lr: 0.1 lr_policy: \"fixed\""))!;
        Assert.That(e.Message, Does.Contain($"unknown solver type \"{type}\"").And.Contain(expected));
    }

    [TestCase("lr_policy: \"stepwise\"", "unknown lr_policy \"stepwise\"")]
    [TestCase("lr_policy: \"fixed\" regularization_type: \"L3\"", "regularization_type \"L3\"")]
    [TestCase("lr_policy: \"fixed\" iter_size: 0", "iter_size")]
    [TestCase("lr_policy: \"fixed\" type: \"AdaGrad\" momentum: 0.9", "AdaGrad solver needs momentum 0")]
    [TestCase("lr_policy: \"fixed\" type: \"RMSProp\" rms_decay: 1.5", "rms_decay")]
    public void BadField_IsAClearError(string fields, string expected)
    {
        var e = Assert.Throws<SolverException>(() => SolverTestHelpers.Create($"{SolverTestHelpers.TinyIpNet} base_lr: 0.1 {fields}"))!;
        Assert.That(e.Message, Does.Contain(expected));
    }

    [Test]
    public void TwoTrainNets_AreRejected()
    {
        var e = Assert.Throws<SolverException>(() => SolverTestHelpers.Create($"{SolverTestHelpers.TinyIpNet} train_net: \"x.prototxt\" base_lr: 0.1 lr_policy: \"fixed\""))!;
        Assert.That(e.Message, Does.Contain("train_net").And.Contain("net_param").And.Contain("exactly one"));
    }

    [Test]
    public void TestIterWithoutInterval_IsRejected()
    {
        var e = Assert.Throws<SolverException>(() => SolverTestHelpers.Create($"{SolverTestHelpers.TinyIpNet} test_iter: 3 base_lr: 0.1 lr_policy: \"fixed\""))!;
        Assert.That(e.Message, Does.Contain("test_interval"));
    }

    [Test]
    public void SolverFile_ResolvesNetAndPrefixAgainstItsDirectory_AndBuildsTestNetsWithStates()
    {
        string dir = SolverTestHelpers.TempDirectory();
        try
        {
            File.WriteAllText(Path.Combine(dir, "net.prototxt"), """
                name: "n"
                layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 } } }
                layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param { num_output: 2 } }
                layer { name: "extra" type: "ReLU" bottom: "ip" top: "r" include { phase: TEST stage: "deploy" } }
                """);
            string solverPath = Path.Combine(dir, "solver.prototxt");
            File.WriteAllText(solverPath, """
                net: "net.prototxt" test_iter: 1 test_iter: 1 test_interval: 10 test_state { stage: "deploy" } test_state { }
                base_lr: 0.1 lr_policy: "fixed" snapshot_prefix: "out/model"
                """);
            var services = new ServiceCollection().AddEngine().BuildServiceProvider();
            using Solver solver = services.GetRequiredService<SolverFactory>().Load(solverPath);
            Assert.That(solver, Is.InstanceOf<SgdSolver>());
            Assert.That(solver.Net.Phase, Is.EqualTo(Phase.Train));
            Assert.That(solver.TestNets, Has.Count.EqualTo(2));
            Assert.That(solver.TestNets[0].HasLayer("extra"), Is.True);
            Assert.That(solver.TestNets[1].HasLayer("extra"), Is.False);
            Assert.That(solver.SnapshotPrefix, Is.EqualTo(Path.Combine(dir, "out/model")));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private sealed class ConstantSolver(SolverParameter param, SolverContext context) : Solver(param, context)
    {
        public override string Type => "Constant";

        protected override void ComputeUpdateValue(int paramId, float rate) => Net.LearnableParams[paramId].MutableDiff.Fill(rate);
    }

    [Test]
    public void AddSolver_RegistersAUserSolverByName()
    {
        var services = new ServiceCollection().AddEngine().AddSolver<ConstantSolver>("Constant").BuildServiceProvider();
        var factory = services.GetRequiredService<SolverFactory>();
        Assert.That(factory.Solvers.Types, Does.Contain("Constant").And.Contain("AdamW"));
        SolverParameter p = Engine.Formats.NetDefinitions.ParseSolver($"{SolverTestHelpers.TinyIpNet} type: \"Constant\" base_lr: 0.25 lr_policy: \"fixed\"");
        using Solver solver = factory.Create(p);
        solver.Net.LearnableParams[0].MutableData.Clear();
        solver.ApplyGradients();
        Assert.That(solver.Net.LearnableParams[0].Data.ToArray(), Is.All.EqualTo(-0.25f));
    }
}
