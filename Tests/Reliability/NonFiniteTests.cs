using Engine.Formats;
using Engine.Proto;
using Engine.Solvers;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;

namespace Engine.Tests.Reliability;

public class NonFiniteTests
{
    private static Solver Create(string net, string solverFields)
    {
        var factory = new ServiceCollection().AddEngine().BuildServiceProvider().GetRequiredService<SolverFactory>();
        SolverParameter p = NetDefinitions.ParseSolver(solverFields + "\nnet_param { " + net + " }");
        return factory.Create(p);
    }

    private const string Regression = """
        name: "reg"
        layer { name: "data" type: "DummyData" top: "x" top: "y"
                dummy_data_param { shape { dim: 8 dim: 4 } shape { dim: 8 dim: 1 }
                                   data_filler { type: "gaussian" std: 1 } data_filler { type: "constant" value: 3 } } }
        layer { name: "ip" type: "InnerProduct" bottom: "x" top: "ip" inner_product_param { num_output: 1 weight_filler { type: "gaussian" std: 1 } } }
        layer { name: "loss" type: "EuclideanLoss" bottom: "ip" bottom: "y" top: "loss" }
        """;

    [Test]
    public void Divergence_StopsBeforeWritingNaNWeights()
    {
        using Solver solver = Create(Regression, "type: 'SGD' base_lr: 1e8 lr_policy: 'fixed' max_iter: 100 random_seed: 1");
        var ex = Assert.Throws<SolverException>(() => solver.Step(100));
        Assert.That(ex!.Message, Does.Contain("diverged").And.Contain("Iteration"));
        foreach (Blob p in solver.Net.LearnableParams)
        {
            Assert.That(p.Data.ToArray(), Has.All.Matches<float>(float.IsFinite), "no update with a non-finite loss");
        }
    }

    [Test]
    public void CheckFinite_NamesTheFirstLayerBlobAndIteration()
    {
        // log of a negative number is NaN: the check must blame the Log layer, not the loss after it.
        const string net = """
            name: "nan"
            layer { name: "data" type: "DummyData" top: "x" top: "y"
                    dummy_data_param { shape { dim: 4 dim: 3 } shape { dim: 4 dim: 3 }
                                       data_filler { type: "constant" value: -2 } data_filler { type: "constant" value: 1 } } }
            layer { name: "ip" type: "InnerProduct" bottom: "x" top: "ip" inner_product_param { num_output: 3 weight_filler { type: "constant" value: 1 } } }
            layer { name: "bad_log" type: "Log" bottom: "ip" top: "logged" }
            layer { name: "loss" type: "EuclideanLoss" bottom: "logged" bottom: "y" top: "loss" }
            """;
        using Solver solver = Create(net, "type: 'SGD' base_lr: 0.1 lr_policy: 'fixed' max_iter: 10 random_seed: 1");
        solver.CheckFinite = true;
        var ex = Assert.Throws<SolverException>(() => solver.Step(3));
        Assert.That(ex!.Message, Does.Contain("Iteration 0").And.Contain("'bad_log'").And.Contain("'logged'").And.Contain("NaN"));
    }

    [Test]
    public void DebugInfo_ReportsEveryLayer()
    {
        using Solver solver = Create(Regression, "type: 'SGD' base_lr: 0.01 lr_policy: 'fixed' max_iter: 10 random_seed: 1");
        solver.Step(1);
        string[] lines = NetDiagnostics.DebugInfo(solver.Net).ToArray();
        Assert.That(lines, Has.Some.Contains("[Forward] Layer ip, top blob ip data:"));
        Assert.That(lines, Has.Some.Contains("[Backward] Layer ip, param blob 0 diff:"));
        Assert.That(NetDiagnostics.FirstNonFinite(solver.Net), Is.Null);
    }
}
