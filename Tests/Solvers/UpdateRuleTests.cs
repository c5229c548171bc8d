using Engine.Solvers;
using NUnit.Framework;

namespace Engine.Tests.Solvers;

/// <summary>
/// Each solver's update over three steps on a tiny parameter set, against the formulas of caffe-format.md §6.4–6.5
/// written out independently here in double precision (history, lr_mult, decay_mult, L1/L2/elastic net included).
/// </summary>
public class UpdateRuleTests
{
    private static readonly float[] InitialWeights = [0.5f, -0.3f, 0.8f, -1.2f, 0.1f, 0.7f];
    private static readonly float[] InitialBias = [0.2f, -0.4f];

    private static readonly float[][] Gradients =
    [
        [0.1f, -0.2f, 0.3f, 0.05f, -0.5f, 0.25f, 0.4f, -0.1f],
        [-0.3f, 0.1f, 0.2f, -0.15f, 0.35f, -0.05f, -0.2f, 0.3f],
        [0.05f, 0.4f, -0.1f, 0.2f, 0.1f, -0.3f, 0.15f, -0.25f],
    ];

    public sealed record Case(string Type, string Fields, string Regularization, double WeightDecay, double L1, double Momentum = 0, double Momentum2 = 0.999, double RmsDecay = 0.99, double Delta = 1e-8)
    {
        public override string ToString() => $"{Type} {Regularization} wd={WeightDecay} l1={L1}";
    }

    public static IEnumerable<Case> Cases()
    {
        yield return new Case("SGD", "momentum: 0.9 weight_decay: 0.1", "L2", 0.1, 0, Momentum: 0.9);
        yield return new Case("SGD", "momentum: 0.5 weight_decay: 0.2 regularization_type: \"L1\"", "L1", 0.2, 0, Momentum: 0.5);
        yield return new Case("SGD", "momentum: 0.9 weight_decay: 0.1 l1_weight_decay: 0.05", "L2", 0.1, 0.05, Momentum: 0.9);
        yield return new Case("Nesterov", "momentum: 0.9 weight_decay: 0.1", "L2", 0.1, 0, Momentum: 0.9);
        yield return new Case("AdaGrad", "weight_decay: 0.1 delta: 1e-6", "L2", 0.1, 0, Delta: 1e-6);
        yield return new Case("RMSProp", "weight_decay: 0.1 rms_decay: 0.9 delta: 1e-6", "L2", 0.1, 0, RmsDecay: 0.9, Delta: 1e-6);
        yield return new Case("AdaDelta", "momentum: 0.95 weight_decay: 0.1 delta: 1e-6", "L2", 0.1, 0, Momentum: 0.95, Delta: 1e-6);
        yield return new Case("Adam", "momentum: 0.9 momentum2: 0.99 weight_decay: 0.1", "L2", 0.1, 0, Momentum: 0.9, Momentum2: 0.99);
        yield return new Case("AdamW", "momentum: 0.9 momentum2: 0.99 weight_decay: 0.1 l1_weight_decay: 0.02", "L2", 0.1, 0.02, Momentum: 0.9, Momentum2: 0.99);
    }

    [TestCaseSource(nameof(Cases))]
    public void ThreeSteps_MatchHandComputedFormula(Case c)
    {
        const double baseLr = 0.1, gamma = 0.5;
        using Solver solver = SolverTestHelpers.Create($"""
            {SolverTestHelpers.TinyIpNet}
            type: "{c.Type}" base_lr: {baseLr} lr_policy: "step" gamma: {gamma} stepsize: 2 max_iter: 3 {c.Fields}
            """);
        Blob weight = solver.Net.LearnableParams[0], bias = solver.Net.LearnableParams[1];
        InitialWeights.CopyTo(weight.MutableData);
        InitialBias.CopyTo(bias.MutableData);

        double[] w = [.. InitialWeights.Select(v => (double)v), .. InitialBias.Select(v => (double)v)];
        double[] lrMult = [1, 1, 1, 1, 1, 1, 2, 2];
        double[] decayMult = [1, 1, 1, 1, 1, 1, 0, 0];
        var h = new double[8];
        var h2 = new double[8];
        for (int step = 0; step < Gradients.Length; step++)
        {
            Gradients[step].AsSpan(0, 6).CopyTo(weight.MutableDiff);
            Gradients[step].AsSpan(6, 2).CopyTo(bias.MutableDiff);
            solver.ApplyGradients();

            double rate = baseLr * Math.Pow(gamma, step / 2);
            for (int i = 0; i < 8; i++)
            {
                double g = Gradients[step][i];
                if (c.Type != "AdamW")
                {
                    g += c.Regularization == "L2" ? c.WeightDecay * decayMult[i] * w[i] : c.WeightDecay * decayMult[i] * Math.Sign(w[i]);
                }
                g += c.L1 * decayMult[i] * Math.Sign(w[i]);
                double lr = rate * lrMult[i];
                double delta;
                switch (c.Type)
                {
                    case "SGD":
                        h[i] = c.Momentum * h[i] + lr * g;
                        delta = h[i];
                        break;
                    case "Nesterov":
                        double previous = h[i];
                        h[i] = c.Momentum * h[i] + lr * g;
                        delta = (1 + c.Momentum) * h[i] - c.Momentum * previous;
                        break;
                    case "AdaGrad":
                        h[i] += g * g;
                        delta = lr * g / (Math.Sqrt(h[i]) + c.Delta);
                        break;
                    case "RMSProp":
                        h[i] = c.RmsDecay * h[i] + (1 - c.RmsDecay) * g * g;
                        delta = lr * g / (Math.Sqrt(h[i]) + c.Delta);
                        break;
                    case "AdaDelta":
                        h[i] = c.Momentum * h[i] + (1 - c.Momentum) * g * g;
                        double u = g * Math.Sqrt((h2[i] + c.Delta) / (h[i] + c.Delta));
                        h2[i] = c.Momentum * h2[i] + (1 - c.Momentum) * u * u;
                        delta = lr * u;
                        break;
                    default:
                        h[i] = c.Momentum * h[i] + (1 - c.Momentum) * g;
                        h2[i] = c.Momentum2 * h2[i] + (1 - c.Momentum2) * g * g;
                        int t = step + 1;
                        delta = lr * Math.Sqrt(1 - Math.Pow(c.Momentum2, t)) / (1 - Math.Pow(c.Momentum, t)) * h[i] / (Math.Sqrt(h2[i]) + c.Delta);
                        if (c.Type == "AdamW")
                        {
                            delta += lr * c.WeightDecay * decayMult[i] * w[i];
                        }
                        break;
                }
                w[i] -= delta;
            }
            float[] actual = [.. weight.Data.ToArray(), .. bias.Data.ToArray()];
            for (int i = 0; i < 8; i++)
            {
                Assert.That(actual[i], Is.EqualTo(w[i]).Within(2e-6), $"{c} step {step} element {i}");
            }
        }
        Assert.That(solver.Iter, Is.EqualTo(3));
        Assert.That(solver.History.Count, Is.EqualTo(c.Type is "AdaDelta" or "Adam" or "AdamW" ? 4 : 2));
    }

    [Test]
    public void ClipGradients_ScalesByGlobalNorm_BeforeIterSizeNormalisation()
    {
        // Accumulated gradient (two passes) has norm 3 > clip 2: scaled by 2/3, then halved by iter_size.
        // Clipping after normalisation would see norm 1.5 < 2 and leave it alone.
        using Solver solver = SolverTestHelpers.Create($"""
            {SolverTestHelpers.TinyIpNet}
            base_lr: 1 lr_policy: "fixed" clip_gradients: 2 iter_size: 2 max_iter: 1
            """);
        Blob weight = solver.Net.LearnableParams[0], bias = solver.Net.LearnableParams[1];
        weight.MutableData.Clear();
        bias.MutableData.Clear();
        float[] g = [2f, 0f, 0f, 0f, 1f, 0f];
        float[] gb = [0f, 2f];
        double norm = Math.Sqrt(g.Sum(v => v * v) + gb.Sum(v => v * v));
        Assert.That(norm, Is.EqualTo(3).Within(1e-6));
        g.CopyTo(weight.MutableDiff);
        gb.CopyTo(bias.MutableDiff);
        solver.ApplyGradients();
        double scale = 2.0 / 3.0 / 2.0;
        for (int i = 0; i < 6; i++)
        {
            Assert.That(weight.Data[i], Is.EqualTo(-g[i] * scale).Within(1e-6));
        }
        Assert.That(bias.Data[1], Is.EqualTo(-gb[1] * scale * 2).Within(1e-6), "bias lr_mult 2");
    }

    [Test]
    public void ClipGradients_LeavesSmallGradientsAlone()
    {
        using Solver solver = SolverTestHelpers.Create($"""
            {SolverTestHelpers.TinyIpNet}
            base_lr: 1 lr_policy: "fixed" clip_gradients: 10 max_iter: 1
            """);
        Blob weight = solver.Net.LearnableParams[0];
        weight.MutableData.Clear();
        solver.Net.LearnableParams[1].MutableDiff.Clear();
        float[] g = [0.5f, -1f, 0.25f, 2f, 0f, 1f];
        g.CopyTo(weight.MutableDiff);
        solver.ApplyGradients();
        Assert.That(weight.Data.ToArray(), Is.EqualTo(g.Select(v => -v).ToArray()).Within(1e-7));
    }
}
