using Engine.Formats;
using Engine.Memory;
using Engine.Proto;
using Engine.Solvers;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.OpenCL;

/// <summary>
/// Every solver rule on an OpenCL net (its update runs in <c>solvers.cl</c>) against the same rule on the CPU from the
/// same initialisation: losses, final weights and history agree within rounding drift.
/// </summary>
public class OpenCLSolverTests : OpenCLTestBase
{
    private const int Steps = 20;

    // lr_mult/decay_mult differ per blob so the per-parameter rate and decay are exercised by every case.
    private const string SolverText = """
        net_param {
          name: "mlp"
          layer { name: "input" type: "Input" top: "data" top: "label" input_param { shape { dim: 16 dim: 6 } shape { dim: 16 } } }
          layer { name: "ip1" type: "InnerProduct" bottom: "data" top: "ip1"
                  param { lr_mult: 1 decay_mult: 1 } param { lr_mult: 2 decay_mult: 0 }
                  inner_product_param { num_output: 24 weight_filler { type: "gaussian" std: 0.4 } bias_filler { type: "constant" value: 0.1 } } }
          layer { name: "relu" type: "ReLU" bottom: "ip1" top: "ip1" }
          layer { name: "ip2" type: "InnerProduct" bottom: "ip1" top: "ip2"
                  param { lr_mult: 0.5 decay_mult: 3 } param { lr_mult: 1.5 decay_mult: 1 }
                  inner_product_param { num_output: 3 weight_filler { type: "gaussian" std: 0.4 } } }
          layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip2" bottom: "label" top: "loss" }
        }
        lr_policy: "fixed" max_iter: 100 display: 0 random_seed: 5
        """;

    [TestCase("SGD", "momentum: 0.9 base_lr: 0.1 weight_decay: 0.001")]
    [TestCase("Nesterov", "momentum: 0.9 base_lr: 0.1 weight_decay: 0.001")]
    [TestCase("AdaGrad", "base_lr: 0.05 weight_decay: 0.001")]
    [TestCase("RMSProp", "base_lr: 0.01 rms_decay: 0.9 weight_decay: 0.001")]
    [TestCase("AdaDelta", "base_lr: 1.0 momentum: 0.95 delta: 1e-6 weight_decay: 0.001")]
    [TestCase("Adam", "momentum: 0.9 momentum2: 0.999 base_lr: 0.01 weight_decay: 0.001")]
    [TestCase("AdamW", "momentum: 0.9 momentum2: 0.999 base_lr: 0.01 weight_decay: 0.05")]
    [TestCase("SGD", "momentum: 0.9 base_lr: 0.1 weight_decay: 0.001 clip_gradients: 0.05")]
    [TestCase("Adam", "momentum: 0.9 momentum2: 0.999 base_lr: 0.01 clip_gradients: 0.05")]
    [TestCase("SGD", "momentum: 0.9 base_lr: 0.1 weight_decay: 0.01 regularization_type: \"L1\"")]
    [TestCase("AdamW", "momentum: 0.9 momentum2: 0.999 base_lr: 0.01 weight_decay: 0.01 regularization_type: \"L1\"")]
    [TestCase("SGD", "momentum: 0.9 base_lr: 0.1 weight_decay: 0.001 l1_weight_decay: 0.002")]
    [TestCase("AdamW", "momentum: 0.9 momentum2: 0.999 base_lr: 0.01 weight_decay: 0.05 l1_weight_decay: 0.002")]
    [TestCase("SGD", "momentum: 0.9 base_lr: 0.1 weight_decay: 0.001 iter_size: 2")]
    [TestCase("RMSProp", "base_lr: 0.01 rms_decay: 0.9 iter_size: 3 clip_gradients: 0.1")]
    public void TwentySteps_MatchTheCpuLossesWeightsAndHistory(string type, string extra)
    {
        Trained cpu = Train(Backend.Cpu, type, extra);
        Trained device = Train(Cl, type, extra);
        for (int i = 0; i < cpu.Losses.Length; i++)
        {
            // Summation order differs between the kernels and the CPU; 1e-3 relative over 20 steps leaves room for that drift only.
            Assert.That(device.Losses[i], Is.EqualTo(cpu.Losses[i]).Within(1e-3 * Math.Max(1f, Math.Abs(cpu.Losses[i]))), $"{type} loss at iteration {i}");
        }
        for (int i = 0; i < cpu.Weights.Length; i++)
        {
            // Relative to the blob's RMS (AssertClose): an adaptive rule turns a gradient's rounding into at most a small fraction of one step.
            AssertClose(cpu.Weights[i], device.Weights[i], 2e-3, $"{type} weights of param {i}");
        }
        for (int i = 0; i < cpu.History.Length; i++)
        {
            AssertClose(cpu.History[i], device.History[i], 5e-3, $"{type} history {i}");
        }
        Assert.That(cpu.Losses[^1], Is.LessThan(cpu.Losses[0]), "the net must learn for the comparison to mean something");
    }

    [Test]
    public void ClippingAndL1_ChangeTheTrajectory()
    {
        // Guards the cases above: if these settings had no effect, matching the CPU under them would prove nothing.
        // (iter_size needs no guard: on the fixed batch the passes add up to iter_size·g, so a device run that skipped
        // the normalisation would take doubled steps and miss the CPU's weights.)
        float[] plain = Train(Backend.Cpu, "SGD", "momentum: 0.9 base_lr: 0.1").Weights[0];
        AssertDiffers(plain, Train(Backend.Cpu, "SGD", "momentum: 0.9 base_lr: 0.1 clip_gradients: 0.05").Weights[0], "clip_gradients");
        AssertDiffers(plain, Train(Backend.Cpu, "SGD", "momentum: 0.9 base_lr: 0.1 weight_decay: 0.01 regularization_type: \"L1\"").Weights[0], "L1");
    }

    [Test]
    public void Resume_OnTheDevice_EqualsAnUninterruptedRun([Values("SGD", "Adam")] string type)
    {
        string extra = type == "SGD" ? "momentum: 0.9 base_lr: 0.1 weight_decay: 0.001" : "momentum: 0.9 momentum2: 0.999 base_lr: 0.01 weight_decay: 0.001";
        string directory = Path.Combine(Path.GetTempPath(), $"engine-cl-resume-{Guid.NewGuid():N}");
        try
        {
            string prefix = Path.Combine(directory, "snap");
            float[][] uninterrupted;
            string state;
            using (Solver solver = Create(Cl, type, $"{extra} snapshot_prefix: \"{prefix}\""))
            {
                solver.Step(6);
                state = solver.Snapshot();
                solver.Step(6);
                uninterrupted = WeightsOf(solver);
            }
            using Solver resumed = Create(Cl, type, extra);
            resumed.Restore(state);
            Assert.That(resumed.History.All(h => h.DataMemory.Head == MemoryHead.AtHost), "restored history is written on the host first");
            resumed.Step(6);
            Assert.That(resumed.History.All(h => h.DataMemory.Head == MemoryHead.AtDevice), "the update must run on the device after a resume");
            float[][] weights = WeightsOf(resumed);
            for (int i = 0; i < weights.Length; i++)
            {
                // Same device, same kernels, same order: the resumed run must be bit-identical.
                Assert.That(weights[i], Is.EqualTo(uninterrupted[i]), $"param {i}");
            }
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    [Test]
    public void RuleWithoutDeviceCode_FallsBackToItsHostUpdate_AndStillMatches()
    {
        const string extra = "base_lr: 0.1 weight_decay: 0.001";
        using Solver reference = Create(Cl, "SGD", extra);
        reference.Step(Steps);
        SolverParameter param = NetDefinitions.ParseSolver($"{SolverText} type: \"SGD\" {extra}", "opencl-solver.prototxt");
        using Solver hostOnly = new HostOnlySgd(param, new SolverContext(TestData.Registry) { Backend = Cl });
        FillInputs(hostOnly);
        hostOnly.Step(Steps);
        float[][] expected = WeightsOf(reference);
        float[][] actual = WeightsOf(hostOnly);
        for (int i = 0; i < expected.Length; i++)
        {
            AssertClose(expected[i], actual[i], 1e-4, $"param {i}");
        }
    }

    /// <summary>Plain SGD (no momentum) with only the host rule, as a third-party solver would have.</summary>
    private sealed class HostOnlySgd(SolverParameter param, SolverContext context) : Solver(param, context)
    {
        public override string Type => "HostOnlySGD";

        protected override void ComputeUpdateValue(int paramId, float rate)
        {
            Blob p = Net.LearnableParams[paramId];
            float lr = LocalRate(paramId, rate);
            Span<float> g = p.MutableDiff;
            for (int i = 0; i < g.Length; i++)
            {
                g[i] *= lr;
            }
        }
    }

    private static void AssertDiffers(float[] a, float[] b, string what)
    {
        double maxDiff = 0;
        for (int i = 0; i < a.Length; i++)
        {
            maxDiff = Math.Max(maxDiff, Math.Abs(a[i] - b[i]));
        }
        Assert.That(maxDiff, Is.GreaterThan(1e-3), $"{what} should change the weights");
    }

    private sealed record Trained(float[] Losses, float[][] Weights, float[][] History);

    private static Solver Create(Backend backend, string type, string extra)
    {
        SolverParameter param = NetDefinitions.ParseSolver($"{SolverText} type: \"{type}\" {extra}", "opencl-solver.prototxt");
        Solver solver = SolverRegistry.CreateDefault().Create(param, new SolverContext(TestData.Registry) { Backend = backend });
        FillInputs(solver);
        return solver;
    }

    private static void FillInputs(Solver solver)
    {
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
    }

    private static float[][] WeightsOf(Solver solver) => [.. solver.Net.LearnableParams.Select(p => p.Data.ToArray())];

    private static Trained Train(Backend backend, string type, string extra)
    {
        using Solver solver = Create(backend, type, extra);
        var losses = new List<float>();
        solver.IterationCompleted += (_, e) => losses.Add(e.Loss);
        solver.Step(Steps);
        Assert.That(solver.Net.Backend, Is.SameAs(backend));
        if (backend.IsDevice)
        {
            Assert.That(solver.History.All(h => h.DataMemory.Head == MemoryHead.AtDevice), "history must be updated on the device");
        }
        return new Trained([.. losses], WeightsOf(solver), [.. solver.History.Select(h => h.Data.ToArray())]);
    }
}
