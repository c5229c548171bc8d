using Engine.Proto;

namespace Engine.Editor.Checking;

/// <summary>
/// The checks Caffe's Solver performs when it starts (net selection, test-net counts, learning-rate policy, update
/// rule settings), done up front so that a typo is reported before any data is read.
/// </summary>
internal static class SolverValidator
{
    /// <summary>Solver types (the <c>type</c> field) the engine knows.</summary>
    public static readonly IReadOnlyList<string> Types = ["SGD", "Nesterov", "AdaGrad", "RMSProp", "AdaDelta", "Adam"];

    /// <summary>Learning-rate policies Caffe defines.</summary>
    public static readonly IReadOnlyList<string> Policies = ["fixed", "step", "exp", "inv", "multistep", "poly", "sigmoid"];

    /// <summary>Every problem of <paramref name="solver"/> (upgraded), in field order of discovery.</summary>
    public static List<SolverProblem> Validate(SolverParameter solver)
    {
        var problems = new List<SolverProblem>();
        if (!Types.Contains(solver.Type))
        {
            problems.Add(new("type", $"unknown solver type \"{solver.Type}\"{Hint(solver.Type, Types)}; known: {string.Join(", ", Types)}"));
        }
        ValidatePolicy(solver, problems);
        if (solver.Type is "AdaGrad" or "RMSProp" && solver.Momentum != 0f)
        {
            problems.Add(new("momentum", $"{solver.Type} does not use momentum; it must be 0 (is {solver.Momentum})"));
        }
        if (solver.Type == "RMSProp" && solver.RmsDecay is < 0f or >= 1f)
        {
            problems.Add(new("rms_decay", $"rms_decay must be in [0, 1) (is {solver.RmsDecay})"));
        }
        if (solver.RegularizationType is not ("L2" or "L1"))
        {
            problems.Add(new("regularization_type", $"unknown regularization_type \"{solver.RegularizationType}\"; known: L2, L1"));
        }
        ValidateNets(solver, problems);
        return problems;
    }

    /// <summary>The number of test net instances the solver creates: inline ones, files, then generic copies of the train net.</summary>
    public static int TestNetCount(SolverParameter solver)
    {
        int specific = solver.TestNetParam.Count + solver.TestNet.Count;
        bool generic = solver.HasNet || solver.NetParam is not null;
        return generic && solver.TestIter.Count > specific ? solver.TestIter.Count : specific;
    }

    private static void ValidatePolicy(SolverParameter solver, List<SolverProblem> problems)
    {
        string policy = solver.LrPolicy;
        if (!solver.HasLrPolicy || policy.Length == 0)
        {
            problems.Add(new("lr_policy", $"lr_policy is not set (Caffe has no default); use one of {string.Join(", ", Policies)}"));
            return;
        }
        if (!Policies.Contains(policy))
        {
            problems.Add(new("lr_policy", $"unknown lr_policy \"{policy}\"{Hint(policy, Policies)}; known: {string.Join(", ", Policies)}"));
            return;
        }
        if (policy == "step" && solver.Stepsize <= 0)
        {
            problems.Add(new("stepsize", $"lr_policy \"step\" needs stepsize > 0 (is {solver.Stepsize})"));
        }
        if (policy == "poly" && solver.MaxIter <= 0)
        {
            problems.Add(new("max_iter", $"lr_policy \"poly\" needs max_iter > 0 (is {solver.MaxIter})"));
        }
        if (policy == "multistep")
        {
            for (int i = 1; i < solver.Stepvalue.Count; i++)
            {
                if (solver.Stepvalue[i] <= solver.Stepvalue[i - 1])
                {
                    problems.Add(new("stepvalue", $"stepvalue must increase ({solver.Stepvalue[i - 1]} then {solver.Stepvalue[i]})"));
                    break;
                }
            }
        }
    }

    private static void ValidateNets(SolverParameter solver, List<SolverProblem> problems)
    {
        var trainFields = new List<string>();
        if (solver.TrainNetParam is not null)
        {
            trainFields.Add("train_net_param");
        }
        if (solver.HasTrainNet)
        {
            trainFields.Add("train_net");
        }
        if (solver.NetParam is not null)
        {
            trainFields.Add("net_param");
        }
        if (solver.HasNet)
        {
            trainFields.Add("net");
        }
        if (trainFields.Count == 0)
        {
            problems.Add(new("", "no train net: set one of net, net_param, train_net, train_net_param"));
        }
        else if (trainFields.Count > 1)
        {
            problems.Add(new(trainFields[1], $"more than one train net ({string.Join(", ", trainFields)}); set exactly one"));
        }

        int tests = TestNetCount(solver);
        bool generic = solver.HasNet || solver.NetParam is not null;
        int specific = solver.TestNetParam.Count + solver.TestNet.Count;
        if (generic ? solver.TestIter.Count < specific : solver.TestIter.Count != specific)
        {
            problems.Add(new("test_iter", $"test_iter has {solver.TestIter.Count} value(s) but there are {specific} test net(s); give one per test net"));
        }
        if (solver.TestState.Count > 0 && solver.TestState.Count != tests)
        {
            problems.Add(new("test_state", $"test_state has {solver.TestState.Count} entries for {tests} test net(s); give one per test net or none"));
        }
        if (tests > 0 && solver.TestInterval <= 0)
        {
            problems.Add(new("test_interval", $"there are {tests} test net(s) but test_interval is {solver.TestInterval}; set it > 0"));
        }
    }

    private static string Hint(string value, IReadOnlyList<string> known)
    {
        string[] close = Suggestions.Closest(value, known, 1);
        return close.Length > 0 ? $" (did you mean \"{close[0]}\"?)" : "";
    }
}
