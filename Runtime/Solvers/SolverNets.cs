using Engine.Formats;
using Engine.Proto;

namespace Engine.Solvers;

/// <summary>
/// Picks the train net and the test nets out of a <see cref="SolverParameter"/> (Caffe's rules: one train source;
/// test nets from test_net_param, then test_net files, then instances of the generic net) and their net states.
/// </summary>
internal static class SolverNets
{
    /// <summary>The train net definition with its state merged: phase TRAIN, then the net's own state, then train_state.</summary>
    public static NetParameter Train(SolverParameter p, string? baseDirectory)
    {
        var sources = new List<string>();
        if (p.TrainNetParam is not null)
        {
            sources.Add("train_net_param");
        }
        if (p.HasTrainNet)
        {
            sources.Add("train_net");
        }
        if (p.NetParam is not null)
        {
            sources.Add("net_param");
        }
        if (p.HasNet)
        {
            sources.Add("net");
        }
        if (sources.Count == 0)
        {
            throw new SolverException("the solver names no train net: set one of net, net_param, train_net, train_net_param.");
        }
        if (sources.Count > 1)
        {
            throw new SolverException($"the solver names {sources.Count} train nets ({string.Join(", ", sources)}); set exactly one.");
        }
        NetParameter net = p.TrainNetParam?.Clone()
            ?? (p.HasTrainNet ? Load(p.TrainNet, "train_net", baseDirectory)
            : p.NetParam?.Clone() ?? Load(p.Net, "net", baseDirectory));
        var state = new NetState { Phase = Phase.Train };
        if (net.State is not null)
        {
            state.MergeFrom(net.State);
        }
        if (p.TrainState is not null)
        {
            state.MergeFrom(p.TrainState);
        }
        net.State = state;
        return net;
    }

    /// <summary>Every test net definition with its state merged: phase TEST, then the net's own state, then test_state[i].</summary>
    public static List<NetParameter> Tests(SolverParameter p, string? baseDirectory)
    {
        var nets = new List<NetParameter>();
        foreach (NetParameter n in p.TestNetParam)
        {
            nets.Add(n.Clone());
        }
        for (int i = 0; i < p.TestNet.Count; i++)
        {
            nets.Add(Load(p.TestNet[i], $"test_net[{i}]", baseDirectory));
        }
        int specific = nets.Count;
        bool hasGeneric = p.NetParam is not null || p.HasNet;
        if (hasGeneric)
        {
            if (p.TestIter.Count < specific)
            {
                throw new SolverException($"test_iter has {p.TestIter.Count} entries but there are {specific} test_net/test_net_param nets; give one test_iter per test net.");
            }
            int generic = p.TestIter.Count - specific;
            if (generic > 0)
            {
                NetParameter template = p.NetParam?.Clone() ?? Load(p.Net, "net", baseDirectory);
                for (int i = 0; i < generic; i++)
                {
                    nets.Add(template.Clone());
                }
            }
        }
        else if (p.TestIter.Count != specific)
        {
            throw new SolverException($"test_iter has {p.TestIter.Count} entries for {specific} test net(s); give exactly one per test net.");
        }
        if (p.TestState.Count > 0 && p.TestState.Count != nets.Count)
        {
            throw new SolverException($"test_state has {p.TestState.Count} entries for {nets.Count} test net(s); give none or one per test net.");
        }
        if (nets.Count > 0 && p.TestInterval <= 0)
        {
            throw new SolverException($"the solver has {nets.Count} test net(s) but test_interval is {p.TestInterval}; set test_interval > 0 (or drop test_iter).");
        }
        for (int i = 0; i < nets.Count; i++)
        {
            if (p.TestIter[i] <= 0)
            {
                throw new SolverException($"test_iter[{i}] must be > 0, got {p.TestIter[i]}.");
            }
            var state = new NetState { Phase = Phase.Test };
            if (nets[i].State is not null)
            {
                state.MergeFrom(nets[i].State);
            }
            if (p.TestState.Count > 0)
            {
                state.MergeFrom(p.TestState[i]);
            }
            nets[i].State = state;
        }
        return nets;
    }

    /// <summary>
    /// Resolves a file named in the solver: relative names are tried against the solver's directory first, then the
    /// working directory (so Caffe-style paths relative to the repository root also work).
    /// </summary>
    public static string Resolve(string path, string? baseDirectory)
    {
        if (Path.IsPathRooted(path) || baseDirectory is null)
        {
            return path;
        }
        string candidate = Path.Combine(baseDirectory, path);
        return File.Exists(candidate) || !File.Exists(path) ? candidate : path;
    }

    private static NetParameter Load(string path, string field, string? baseDirectory)
    {
        string resolved = Resolve(path, baseDirectory);
        if (!File.Exists(resolved))
        {
            throw new SolverException($"{field}: net file '{path}' not found (looked at '{Path.GetFullPath(resolved)}').");
        }
        return NetDefinitions.LoadNet(resolved);
    }
}
