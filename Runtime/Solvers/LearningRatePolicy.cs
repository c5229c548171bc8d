using Engine.Proto;

namespace Engine.Solvers;

/// <summary>
/// Caffe's learning-rate policies (<c>lr_policy</c>): fixed, step, exp, inv, multistep, poly, sigmoid, plus Engine's
/// linear warm-up (<c>warmup_iter</c>, <c>warmup_start_factor</c>) applied on top of any of them.
/// </summary>
public static class LearningRatePolicy
{
    /// <summary>The policy names Engine knows.</summary>
    public static IReadOnlyList<string> Names { get; } = ["fixed", "step", "exp", "inv", "multistep", "poly", "sigmoid"];

    /// <summary>Throws when the policy or a field it depends on is invalid, naming the field.</summary>
    /// <exception cref="SolverException">Unknown policy, or a parameter the policy needs is out of range.</exception>
    public static void Validate(SolverParameter p)
    {
        switch (p.LrPolicy)
        {
            case "fixed" or "exp" or "inv" or "poly" or "sigmoid":
                break;
            case "step":
                if (p.Stepsize <= 0)
                {
                    throw new SolverException($"lr_policy \"step\" needs stepsize > 0, got {p.Stepsize}.");
                }
                break;
            case "multistep":
                for (int i = 1; i < p.Stepvalue.Count; i++)
                {
                    if (p.Stepvalue[i] <= p.Stepvalue[i - 1])
                    {
                        throw new SolverException($"lr_policy \"multistep\" needs increasing stepvalue entries; entry {i} ({p.Stepvalue[i]}) is not above {p.Stepvalue[i - 1]}.");
                    }
                }
                break;
            default:
                string[] close = Suggestions.Closest(p.LrPolicy, Names, 2);
                string hint = close.Length > 0 ? $" Did you mean \"{string.Join("\" or \"", close)}\"?" : "";
                string what = p.LrPolicy.Length == 0 ? "lr_policy is not set" : $"unknown lr_policy \"{p.LrPolicy}\"";
                throw new SolverException($"{what}.{hint} Known policies: {string.Join(", ", Names)}.");
        }
        if (p.WarmupIter < 0)
        {
            throw new SolverException($"warmup_iter must be >= 0, got {p.WarmupIter}.");
        }
        if (p.LrPolicy == "poly" && p.MaxIter <= 0)
        {
            throw new SolverException($"lr_policy \"poly\" needs max_iter > 0, got {p.MaxIter}.");
        }
    }

    /// <summary>
    /// The rate at iteration <paramref name="iter"/> (number of completed updates). For multistep,
    /// <paramref name="currentStep"/> advances by at most one per call, as in Caffe.
    /// </summary>
    /// <exception cref="SolverException">Unknown policy.</exception>
    public static float Rate(SolverParameter p, int iter, ref int currentStep)
    {
        double baseLr = p.BaseLr;
        double rate;
        switch (p.LrPolicy)
        {
            case "fixed":
                rate = baseLr;
                break;
            case "step":
                if (p.Stepsize <= 0)
                {
                    throw new SolverException($"lr_policy \"step\" needs stepsize > 0, got {p.Stepsize}.");
                }
                currentStep = iter / p.Stepsize;
                rate = baseLr * Math.Pow(p.Gamma, currentStep);
                break;
            case "exp":
                rate = baseLr * Math.Pow(p.Gamma, iter);
                break;
            case "inv":
                rate = baseLr * Math.Pow(1.0 + p.Gamma * (double)iter, -p.Power);
                break;
            case "multistep":
                if (currentStep < p.Stepvalue.Count && iter >= p.Stepvalue[currentStep])
                {
                    currentStep++;
                }
                rate = baseLr * Math.Pow(p.Gamma, currentStep);
                break;
            case "poly":
                rate = baseLr * Math.Pow(1.0 - (double)iter / p.MaxIter, p.Power);
                break;
            case "sigmoid":
                rate = baseLr * (1.0 / (1.0 + Math.Exp(-p.Gamma * (double)(iter - p.Stepsize))));
                break;
            default:
                Validate(p);
                throw new SolverException($"unknown lr_policy \"{p.LrPolicy}\".");
        }
        if (p.WarmupIter > 0 && iter < p.WarmupIter)
        {
            double start = p.WarmupStartFactor;
            rate *= start + (1.0 - start) * iter / p.WarmupIter;
        }
        return (float)rate;
    }
}
