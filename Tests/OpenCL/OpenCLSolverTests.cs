using Engine.Formats;
using Engine.Proto;
using Engine.Solvers;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.OpenCL;

/// <summary>The real solvers drive a net on OpenCL (their update runs on the host; the layers run on the device).</summary>
public class OpenCLSolverTests : OpenCLTestBase
{
    private const string SolverText = """
        net_param {
          name: "mlp"
          layer { name: "input" type: "Input" top: "data" top: "label" input_param { shape { dim: 16 dim: 6 } shape { dim: 16 } } }
          layer { name: "ip1" type: "InnerProduct" bottom: "data" top: "ip1"
                  inner_product_param { num_output: 24 weight_filler { type: "gaussian" std: 0.4 } bias_filler { type: "constant" value: 0.1 } } }
          layer { name: "relu" type: "ReLU" bottom: "ip1" top: "ip1" }
          layer { name: "ip2" type: "InnerProduct" bottom: "ip1" top: "ip2"
                  inner_product_param { num_output: 3 weight_filler { type: "gaussian" std: 0.4 } } }
          layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip2" bottom: "label" top: "loss" }
        }
        lr_policy: "fixed" weight_decay: 0.001 max_iter: 30 display: 0 random_seed: 5
        """;

    [TestCase("SGD", "momentum: 0.9 base_lr: 0.1")]
    [TestCase("Adam", "momentum: 0.9 momentum2: 0.999 base_lr: 0.01")]
    public void ThirtySteps_TrackTheCpuLosses(string type, string extra)
    {
        float[] cpu = Train(Backend.Cpu, type, extra);
        float[] device = Train(Cl, type, extra);
        for (int i = 0; i < cpu.Length; i++)
        {
            // Summation order differs between the kernels and the CPU; 1e-3 relative over 30 steps leaves room for that drift only.
            Assert.That(device[i], Is.EqualTo(cpu[i]).Within(1e-3 * Math.Max(1f, Math.Abs(cpu[i]))), $"{type} loss at iteration {i}");
        }
        Assert.That(cpu[^1], Is.LessThan(cpu[0]), "the net must learn for the comparison to mean something");
    }

    private static float[] Train(Backend backend, string type, string extra)
    {
        SolverParameter param = NetDefinitions.ParseSolver($"{SolverText} type: \"{type}\" {extra}", "opencl-solver.prototxt");
        using Solver solver = SolverRegistry.CreateDefault().Create(param, new SolverContext(TestData.Registry) { Backend = backend });
        var rng = new EngineRandom(11);
        Span<float> x = solver.Net.GetBlob("data").MutableData;
        Span<float> y = solver.Net.GetBlob("label").MutableData;
        for (int n = 0; n < 16; n++)
        {
            for (int j = 0; j < 6; j++)
            {
                x[n * 6 + j] = rng.NextFloat(-1f, 1f);
            }
            y[n] = x[n * 6] > 0.3f ? 2 : x[n * 6 + 1] > 0 ? 1 : 0;
        }
        var losses = new List<float>();
        solver.IterationCompleted += (_, e) => losses.Add(e.Loss);
        solver.Step(30);
        Assert.That(solver.Net.Backend, Is.SameAs(backend));
        return [.. losses];
    }
}
