using Engine.Formats;
using Engine.Proto;
using Engine.Solvers;
using NUnit.Framework;

namespace Engine.Tests.Solvers;

/// <summary>Each lr_policy at chosen iterations against its formula (caffe-format.md §6.3) and the warm-up extension.</summary>
public class LearningRatePolicyTests
{
    private static SolverParameter Params(string text) => NetDefinitions.ParseSolver(text + " net: \"x\"", "policy.prototxt");

    private static float RateAt(SolverParameter p, int iter)
    {
        int step = 0;
        return LearningRatePolicy.Rate(p, iter, ref step);
    }

    [TestCase(0)]
    [TestCase(7)]
    [TestCase(1000)]
    public void Fixed(int iter) => Assert.That(RateAt(Params("base_lr: 0.01 lr_policy: \"fixed\""), iter), Is.EqualTo(0.01f));

    [TestCase(0, 0)]
    [TestCase(99, 0)]
    [TestCase(100, 1)]
    [TestCase(250, 2)]
    public void Step(int iter, int expectedSteps)
    {
        SolverParameter p = Params("base_lr: 0.1 lr_policy: \"step\" gamma: 0.1 stepsize: 100");
        Assert.That(RateAt(p, iter), Is.EqualTo(0.1 * Math.Pow(0.1, expectedSteps)).Within(1e-5).Percent);
    }

    [TestCase(0)]
    [TestCase(10)]
    [TestCase(500)]
    public void Exp(int iter)
        => Assert.That(RateAt(Params("base_lr: 0.1 lr_policy: \"exp\" gamma: 0.99"), iter), Is.EqualTo(0.1 * Math.Pow((double)0.99f, iter)).Within(1e-5).Percent);

    [TestCase(0)]
    [TestCase(100)]
    [TestCase(9999)]
    public void Inv(int iter)
        => Assert.That(RateAt(Params("base_lr: 0.01 lr_policy: \"inv\" gamma: 0.0001 power: 0.75"), iter), Is.EqualTo(0.01 * Math.Pow(1 + 0.0001 * iter, -0.75)).Within(1e-5).Percent);

    [TestCase(0)]
    [TestCase(250)]
    [TestCase(999)]
    public void Poly(int iter)
        => Assert.That(RateAt(Params("base_lr: 0.2 lr_policy: \"poly\" power: 2 max_iter: 1000"), iter), Is.EqualTo(0.2 * Math.Pow(1 - iter / 1000.0, 2)).Within(1e-5).Percent);

    [TestCase(0)]
    [TestCase(50)]
    [TestCase(120)]
    public void Sigmoid(int iter)
        => Assert.That(RateAt(Params("base_lr: 0.3 lr_policy: \"sigmoid\" gamma: -0.05 stepsize: 50"), iter), Is.EqualTo(0.3 / (1 + Math.Exp(0.05 * (iter - 50)))).Within(1e-5).Percent);

    [Test]
    public void Multistep_AdvancesOneStepPerCall()
    {
        SolverParameter p = Params("base_lr: 1 lr_policy: \"multistep\" gamma: 0.5 stepvalue: 3 stepvalue: 5");
        int step = 0;
        var rates = new List<float>();
        for (int iter = 0; iter < 8; iter++)
        {
            rates.Add(LearningRatePolicy.Rate(p, iter, ref step));
        }
        Assert.That(rates, Is.EqualTo(new[] { 1f, 1f, 1f, 0.5f, 0.5f, 0.25f, 0.25f, 0.25f }));
        Assert.That(step, Is.EqualTo(2));

        // A stale position (resumed with current_step 0 at iter 10) catches up one step per call, as Caffe does.
        int stale = 0;
        Assert.That(LearningRatePolicy.Rate(p, 10, ref stale), Is.EqualTo(0.5f));
        Assert.That(LearningRatePolicy.Rate(p, 11, ref stale), Is.EqualTo(0.25f));
    }

    [TestCase(0)]
    [TestCase(5)]
    [TestCase(9)]
    [TestCase(10)]
    [TestCase(40)]
    public void Warmup_RampsLinearlyOnTopOfThePolicy(int iter)
    {
        SolverParameter p = Params("base_lr: 0.1 lr_policy: \"inv\" gamma: 0.01 power: 1 warmup_iter: 10 warmup_start_factor: 0.2");
        double policy = 0.1 * Math.Pow(1 + 0.01 * iter, -1);
        double factor = iter < 10 ? 0.2 + 0.8 * iter / 10.0 : 1.0;
        Assert.That(RateAt(p, iter), Is.EqualTo(policy * factor).Within(1e-5).Percent);
    }

    [TestCase("plateau", "unknown lr_policy \"plateau\"")]
    [TestCase("stepp", "Did you mean \"step\"")]
    [TestCase("", "lr_policy is not set")]
    public void UnknownPolicy_IsAClearError(string policy, string expected)
    {
        SolverParameter p = Params($"base_lr: 0.1 lr_policy: \"{policy}\"");
        var e = Assert.Throws<SolverException>(() => LearningRatePolicy.Validate(p))!;
        Assert.That(e.Message, Does.Contain(expected));
        Assert.That(e.Message, Does.Contain("multistep"), "lists the known policies");
    }

    [Test]
    public void StepWithoutStepsize_IsRejected()
    {
        var e = Assert.Throws<SolverException>(() => LearningRatePolicy.Validate(Params("base_lr: 0.1 lr_policy: \"step\" gamma: 0.1")))!;
        Assert.That(e.Message, Does.Contain("stepsize"));
    }
}
