using Engine.Formats;
using Engine.Proto;
using Microsoft.Extensions.Logging;

namespace Engine.Solvers;

/// <summary>
/// Base of every solver: owns the train net and the test nets built from a <see cref="SolverParameter"/>, the history
/// blobs of the update rule and the iteration counter; runs Caffe's loop (<see cref="Step"/>, <see cref="Solve"/>) with
/// testing, display, learning-rate policy, gradient clipping, regularisation and snapshots. Subclasses supply the update
/// rule in <see cref="ComputeUpdateValue"/>.
/// </summary>
public abstract partial class Solver : IDisposable
{
    private readonly List<Net> _testNets = [];
    private readonly List<Blob> _history = [];
    private bool _disposed;

    /// <summary>Builds the nets and history from <paramref name="param"/>.</summary>
    /// <exception cref="SolverException">A solver field is invalid (names the field).</exception>
    protected Solver(SolverParameter param, SolverContext context)
    {
        ArgumentNullException.ThrowIfNull(param);
        ArgumentNullException.ThrowIfNull(context);
        Param = param.Clone();
        Context = context;
        Logger = context.Logger;
        Validate(Param);
        Seed = Param.RandomSeed >= 0 ? (ulong)Param.RandomSeed : (ulong)DateTime.UtcNow.Ticks;

        NetParameter trainDef = SolverNets.Train(Param, context.BaseDirectory);
        List<NetParameter> testDefs = SolverNets.Tests(Param, context.BaseDirectory);
        try
        {
            Net = BuildNet(trainDef, Seed);
            for (int i = 0; i < testDefs.Count; i++)
            {
                _testNets.Add(BuildNet(testDefs[i], Seed + 1 + (ulong)i));
            }
            foreach (string list in Param.Weights)
            {
                foreach (string file in list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    CopyWeightsFrom(SolverNets.Resolve(file, context.BaseDirectory));
                }
            }
            int sets = HistorySetsPerParam;
            for (int s = 0; s < sets; s++)
            {
                foreach (Blob p in Net.LearnableParams)
                {
                    _history.Add(new Blob(p.Shape, $"history{s}/{p.Name}", Net.Backend));
                }
            }
        }
        catch
        {
            Dispose();
            throw;
        }
        _outputWeights = OutputLossWeights(Net);
    }

    /// <summary>The solver type name, e.g. <c>SGD</c>.</summary>
    public abstract string Type { get; }

    /// <summary>The solver definition (a copy; changing it after construction has no defined effect).</summary>
    public SolverParameter Param { get; }

    /// <summary>How the solver was created (layers, logger, base directory).</summary>
    public SolverContext Context { get; }

    /// <summary>The seed the nets were built with (random_seed, or a time-based one when it is −1).</summary>
    public ulong Seed { get; }

    /// <summary>The train net.</summary>
    public Net Net { get; private set; } = null!;

    /// <summary>The test nets, in Caffe's order (test_net_param, test_net, generic instances).</summary>
    public IReadOnlyList<Net> TestNets => _testNets;

    /// <summary>Number of completed updates.</summary>
    public int Iter { get; protected set; }

    /// <summary>Position in the multistep/step schedule.</summary>
    public int CurrentStep { get; protected set; }

    /// <summary>History blobs: <see cref="HistorySetsPerParam"/> sets, each one blob per learnable parameter, set-major.</summary>
    public IReadOnlyList<Blob> History => _history;

    /// <summary>How many history blobs the rule keeps per learnable parameter (2 for AdaDelta and Adam).</summary>
    protected virtual int HistorySetsPerParam => 1;

    /// <summary>Where log lines go.</summary>
    protected ILogger Logger { get; }

    /// <summary>Checks the fields every solver uses; subclasses add their own checks in their constructor.</summary>
    private static void Validate(SolverParameter p)
    {
        LearningRatePolicy.Validate(p);
        if (p.RegularizationType is not ("L1" or "L2"))
        {
            throw new SolverException($"unknown regularization_type \"{p.RegularizationType}\"; use \"L2\" or \"L1\" (and l1_weight_decay for elastic net).");
        }
        if (p.IterSize < 1)
        {
            throw new SolverException($"iter_size must be >= 1, got {p.IterSize}.");
        }
        if (p.AverageLoss < 1)
        {
            throw new SolverException($"average_loss must be >= 1, got {p.AverageLoss}.");
        }
        if (p.MaxIter < 0)
        {
            throw new SolverException($"max_iter must be >= 0, got {p.MaxIter}.");
        }
        if (p.Snapshot < 0 || p.Display < 0)
        {
            throw new SolverException($"snapshot and display must be >= 0, got {p.Snapshot} and {p.Display}.");
        }
        if (p.SnapshotFormat == SolverParameter.Types.SnapshotFormat.Hdf5)
        {
            throw new SolverException("snapshot_format HDF5 is not supported; use BINARYPROTO (the default).");
        }
    }

    private Net BuildNet(NetParameter def, ulong seed)
    {
        NetState s = def.State;
        return new Net(def, Context.Layers, new NetOptions { Phase = s.Phase, Level = s.Level, Stages = s.Stage.ToArray(), Backend = Context.Backend, Seed = seed });
    }

    /// <summary>Copies weights by layer name from a <c>.caffemodel</c> into the train and test nets (fine-tuning, <c>--weights</c>).</summary>
    /// <exception cref="NetException">A matched layer's blobs do not fit.</exception>
    public void CopyWeightsFrom(string caffemodelPath)
    {
        if (!File.Exists(caffemodelPath))
        {
            throw new SolverException($"weights file '{caffemodelPath}' not found.");
        }
        NetParameter trained = WeightsFile.ReadNet(caffemodelPath);
        Net.CopyTrainedLayersFrom(trained);
        foreach (Net t in _testNets)
        {
            t.CopyTrainedLayersFrom(trained);
        }
        Logger.LogInformation("Copied weights from {Path}", caffemodelPath);
    }

    /// <summary>Loss weight of each output blob of <paramref name="net"/> (0 when the blob is not a loss).</summary>
    private static float[] OutputLossWeights(Net net)
    {
        var weights = new Dictionary<Blob, float>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < net.Layers.Count; i++)
        {
            IReadOnlyList<Blob> tops = net.TopsOf(i);
            for (int j = 0; j < tops.Count; j++)
            {
                float w = net.Layers[i].LossWeight(j);
                if (w != 0f)
                {
                    weights[tops[j]] = w;
                }
            }
        }
        return net.OutputBlobs.Select(b => weights.TryGetValue(b, out float w) ? w : 0f).ToArray();
    }

    /// <summary>Releases the nets and history.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        Net?.Dispose();
        foreach (Net t in _testNets)
        {
            t.Dispose();
        }
        foreach (Blob h in _history)
        {
            h.Dispose();
        }
        _device?.Dispose();
        DisposeCore();
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases what a subclass owns (scratch blobs).</summary>
    protected virtual void DisposeCore()
    {
    }
}
