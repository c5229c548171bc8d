using Engine.Editor.Commands;
using Engine.Formats;
using Engine.Proto;

namespace Engine.Editor.Checking;

/// <summary>One run of <c>engine check</c> on a solver file: the solver's own settings, then each net in its state.</summary>
internal sealed class SolverCheck(string path, string text, TopLevelFields fields, bool strict, TextWriter stdout, TextWriter stderr)
{
    /// <summary>Prints the diagnostics and tables; returns whether the solver and all its nets are valid.</summary>
    public bool Run()
    {
        SolverParameter solver;
        var notes = new List<string>();
        try
        {
            solver = NetDefinitions.ParseSolver(text, path, notes);
        }
        catch (Exception e) when (Diagnostics.IsInputError(e))
        {
            stderr.WriteLine(Diagnostics.Format(path, text, e));
            return false;
        }
        List<SolverProblem> problems = SolverValidator.Validate(solver);
        foreach (SolverProblem p in problems)
        {
            stderr.WriteLine(At(p.Field, p.Message));
        }
        bool valid = problems.Count == 0;
        foreach (string note in notes)
        {
            stderr.WriteLine($"{path}: warning: {note}");
        }
        stdout.WriteLine($"solver '{path}': type {solver.Type}, lr_policy {solver.LrPolicy}, base_lr {solver.BaseLr}, max_iter {solver.MaxIter}");

        foreach ((string label, string field, NetParameter? inline, string? file, Func<NetParameter, NetState> state) in Nets(solver))
        {
            stdout.WriteLine();
            valid &= CheckOne(label, field, inline, file, state);
        }
        return valid;
    }

    private bool CheckOne(string label, string field, NetParameter? inline, string? file, Func<NetParameter, NetState> state)
    {
        if (inline is not null)
        {
            stdout.WriteLine($"{label} ({field} in {path})");
            return CommandCheckNet(path, text, inline, state(inline), []);
        }
        string? resolved = Resolve(file!);
        if (resolved is null)
        {
            stderr.WriteLine(At(field, $"{label} '{file}' not found (looked in the current directory '{Directory.GetCurrentDirectory()}' and beside the solver in '{SolverDirectory}')"));
            return false;
        }
        stdout.WriteLine($"{label} {resolved}");
        string netText;
        NetParameter net;
        var notes = new List<string>();
        try
        {
            netText = File.ReadAllText(resolved);
            net = NetDefinitions.ParseNet(netText, resolved, notes);
        }
        catch (Exception e) when (Diagnostics.IsInputError(e))
        {
            stderr.WriteLine(Diagnostics.Format(resolved, null, e));
            return false;
        }
        return CommandCheckNet(resolved, netText, net, state(net), notes);
    }

    private bool CommandCheckNet(string file, string netText, NetParameter net, NetState state, List<string> notes)
        => CheckCommand.CheckNet(file, netText, net, state, strict, notes, stdout, stderr);

    private string SolverDirectory => Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";

    /// <summary>Caffe opens net files relative to the current directory; solvers are often run from elsewhere, so also try beside the solver.</summary>
    private string? Resolve(string file)
    {
        if (File.Exists(file))
        {
            return file;
        }
        string beside = Path.Combine(SolverDirectory, file);
        return !Path.IsPathRooted(file) && File.Exists(beside) ? beside : null;
    }

    private string At(string field, string message)
        => field.Length > 0 && fields.Find(field) is (int line, int column) ? $"{path}:{line}:{column}: {message}" : $"{path}: {message}";

    /// <summary>The train net, then the test nets, in Caffe's order, each with how to derive its state.</summary>
    private IEnumerable<(string Label, string Field, NetParameter? Inline, string? File, Func<NetParameter, NetState> State)> Nets(SolverParameter solver)
    {
        Func<NetParameter, NetState> train = net => Merge(Phase.Train, net.State, solver.TrainState);
        if (solver.TrainNetParam is not null)
        {
            yield return ("train net", "train_net_param", solver.TrainNetParam, null, train);
        }
        else if (solver.HasTrainNet)
        {
            yield return ("train net", "train_net", null, solver.TrainNet, train);
        }
        else if (solver.NetParam is not null)
        {
            yield return ("train net", "net_param", solver.NetParam, null, train);
        }
        else if (solver.HasNet)
        {
            yield return ("train net", "net", null, solver.Net, train);
        }

        int index = 0;
        Func<NetParameter, NetState> Test(int i) => net => Merge(Phase.Test, net.State, i < solver.TestState.Count ? solver.TestState[i] : null);
        foreach (NetParameter inline in solver.TestNetParam)
        {
            yield return ($"test net #{index}", "test_net_param", inline, null, Test(index++));
        }
        foreach (string file in solver.TestNet)
        {
            yield return ($"test net #{index}", "test_net", null, file, Test(index++));
        }
        int total = SolverValidator.TestNetCount(solver);
        while (index < total && (solver.NetParam is not null || solver.HasNet))
        {
            yield return solver.NetParam is not null
                ? ($"test net #{index}", "net_param", solver.NetParam, null, Test(index++))
                : ($"test net #{index}", "net", null, solver.Net, Test(index++));
        }
    }

    private static NetState Merge(Phase phase, NetState? netState, NetState? solverState)
    {
        var state = new NetState { Phase = phase };
        if (netState is not null)
        {
            state.MergeFrom(netState);
        }
        if (solverState is not null)
        {
            state.MergeFrom(solverState);
        }
        return state;
    }
}
