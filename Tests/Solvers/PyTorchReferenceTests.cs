using System.Text.Json;
using Engine.Proto;
using Engine.Solvers;
using NUnit.Framework;

namespace Engine.Tests.Solvers;

/// <summary>
/// 20 training steps of a 4-8-3 tanh MLP against Tests/Fixtures/Solvers/mlp_reference.json, written by
/// make_solver_fixtures.py with PyTorch autograd (float64) and Caffe's update rules coded by hand.
/// </summary>
public class PyTorchReferenceTests
{
    private const string Net = """
        net_param {
          name: "mlp"
          layer { name: "input" type: "Input" top: "data" top: "label" input_param { shape { dim: 6 dim: 4 } shape { dim: 6 } } }
          layer { name: "ip1" type: "InnerProduct" bottom: "data" top: "ip1"
                  param { lr_mult: 1 decay_mult: 1 } param { lr_mult: 2 decay_mult: 0 } inner_product_param { num_output: 8 } }
          layer { name: "tanh" type: "TanH" bottom: "ip1" top: "ip1" }
          layer { name: "ip2" type: "InnerProduct" bottom: "ip1" top: "ip2"
                  param { lr_mult: 1 decay_mult: 1 } param { lr_mult: 2 decay_mult: 0 } inner_product_param { num_output: 3 } }
          layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip2" bottom: "label" top: "loss" }
        }
        """;

    private static readonly string[] ParamNames = ["w1", "b1", "w2", "b2"];

    [TestCase("SGD")]
    [TestCase("Nesterov")]
    [TestCase("Adam")]
    public void TwentySteps_MatchPyTorchReference(string type)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", "Solvers", "mlp_reference.json")));
        JsonElement root = doc.RootElement;
        JsonElement c = root.GetProperty("cases").GetProperty(type);
        JsonElement cfg = c.GetProperty("solver");
        string fields = string.Join(" ", cfg.EnumerateObject().Select(p => p.Value.ValueKind == JsonValueKind.String ? $"{p.Name}: \"{p.Value.GetString()}\"" : $"{p.Name}: {p.Value.GetRawText()}"));
        using Solver solver = SolverTestHelpers.Create($"{Net} {fields} max_iter: 20 display: 0");
        Assert.That(solver.Type, Is.EqualTo(type));

        for (int i = 0; i < ParamNames.Length; i++)
        {
            Floats(root.GetProperty("init").GetProperty(ParamNames[i])).CopyTo(solver.Net.LearnableParams[i].MutableData);
        }
        Floats(root.GetProperty("x")).CopyTo(solver.Net.GetBlob("data").MutableData);
        Floats(root.GetProperty("y")).CopyTo(solver.Net.GetBlob("label").MutableData);

        var losses = new List<float>();
        solver.IterationCompleted += (_, e) => losses.Add(e.Loss);
        solver.Step(20);

        float[] expectedLosses = Floats(c.GetProperty("losses"));
        Assert.That(losses, Has.Count.EqualTo(20));
        for (int i = 0; i < 20; i++)
        {
            Assert.That(losses[i], Is.EqualTo(expectedLosses[i]).Within(2e-5), $"loss at iteration {i}");
        }
        for (int i = 0; i < ParamNames.Length; i++)
        {
            float[] expected = Floats(c.GetProperty("final").GetProperty(ParamNames[i]));
            float[] actual = solver.Net.LearnableParams[i].Data.ToArray();
            for (int k = 0; k < expected.Length; k++)
            {
                Assert.That(actual[k], Is.EqualTo(expected[k]).Within(5e-5), $"{ParamNames[i]}[{k}] after 20 steps");
            }
        }
        // The run must have moved: a solver that did nothing would fail the comparison above, but say it plainly.
        Assert.That(expectedLosses[^1], Is.LessThan(expectedLosses[0]));
    }

    private static float[] Floats(JsonElement array) => array.EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();
}
