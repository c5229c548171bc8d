using System.Globalization;
using Engine.Backends.Cpu;
using Engine.Distributed;
using Engine.Proto;
using Engine.Solvers;

namespace Engine.Benchmarks;

/// <summary>
/// Training and inference throughput (images/s, batch 64) of one net, Engine against PyTorch, on 1 and 2 threads. A training
/// step is ClearParamDiffs + ForwardBackward + the SGD solver's update; inference is one forward pass to the softmax. Each
/// round measures Engine then the reference, and the table reports medians over rounds.
/// </summary>
/// <remarks>
/// Training on N &gt; 1 threads is measured in Engine's fastest configuration, N thread replicas of batch 64/N
/// (<see cref="ThreadReplicaReducer"/>, <c>engine train --replicas N</c>), in row <c>-train-Nt</c>; the layer-parallel
/// configuration (one net whose layers split their work over an N-thread pool) stays as row <c>-train-Nt-layerparallel</c>.
/// </remarks>
internal abstract class NetThroughputComparison : IComparison
{
    private const int Batch = 64;
    private static readonly int[] ThreadCounts = [1, 2];

    public abstract string Name { get; }

    public abstract string Description { get; }

    /// <summary>The model's name in <see cref="TorchReference"/>, also the row prefix.</summary>
    protected abstract string ModelName { get; }

    /// <summary>Prototxt text of the net with an Input layer of <paramref name="batch"/> images (and labels when training).</summary>
    protected abstract string NetText(int batch, bool train);

    public IReadOnlyList<ComparisonRow> Run(BenchmarkSettings settings)
    {
        var rows = new List<ComparisonRow>();
        foreach (int threads in ThreadCounts)
        {
            using var torch = new TorchReference(threads);
            using var pool = new WorkerPool(threads);
            bool cpu = settings.CpuTime && threads == 1;
            if (threads > 1)
            {
                // The issue's multi-thread training target is against PyTorch's faster setting in the same run, 1 thread or N:
                // Debian's torch often trains LeNet faster on one thread than on two here.
                using var torchOneThread = new TorchReference(1);
                rows.Add(MeasureReplicas(threads, torch, torchOneThread, settings));
            }
            using (Solver solver = BenchmarkNets.SgdSolver(NetText(Batch, true), pool))
            {
                BenchmarkNets.FillInputs(solver.Net);
                void Train()
                {
                    solver.Net.ClearParamDiffs();
                    solver.Net.ForwardBackward();
                    solver.ApplyGradients();
                }
                string measure = threads > 1 ? $"{ModelName}-train-{threads}t-layerparallel" : $"{ModelName}-train-{threads}t";
                rows.Add(Measure(measure, "train", Train, torch, settings, cpu));
            }
            using (var net = new Net(BenchmarkNets.Parse(NetText(Batch, false), ModelName),
                BenchmarkNets.Registry, new NetOptions { Phase = Proto.Phase.Test, Backend = new CpuBackend(pool) }))
            {
                BenchmarkNets.FillInputs(net);
                rows.Add(Measure($"{ModelName}-infer-{threads}t", "infer", () => net.Forward(), torch, settings, cpu));
            }
        }
        return rows;
    }

    /// <summary>
    /// The same training step on <paramref name="threads"/> thread replicas of batch 64/threads that share the weights: the
    /// calling thread runs replica 0, the gradients are summed across the threads, then one SGD update.
    /// </summary>
    private ComparisonRow MeasureReplicas(int threads, TorchReference torch, TorchReference torchOneThread, BenchmarkSettings settings)
    {
        using var pool = new WorkerPool(1);
        SolverParameter param = ReplicaBatchSplit.Apply(BenchmarkNets.SgdParameter(NetText(Batch, true)), threads, null);
        using Solver solver = BenchmarkNets.CreateSolver(param, new CpuBackend(pool));
        using var reducer = new ThreadReplicaReducer(solver, threads);
        BenchmarkNets.FillInputs(solver.Net);
        foreach (Net replica in reducer.Replicas)
        {
            BenchmarkNets.FillInputs(replica);
        }
        void Train()
        {
            solver.Net.ClearParamDiffs();
            float loss = reducer.ForwardBackward(solver.Net);
            reducer.Reduce(solver.Net, loss, solver.Iter);
            solver.ApplyGradients();
        }
        string measure = $"{ModelName}-train-{threads}t";
        Console.Error.WriteLine($"{measure}: Engine configuration: {threads} thread replicas x batch {Batch / threads} sharing the weights (engine train --replicas {threads})");
        return Measure(measure, "train", Train, torch, settings, false, torchOneThread);
    }

    private ComparisonRow Measure(string measure, string mode, Action step, TorchReference torch, BenchmarkSettings settings, bool cpu,
        TorchReference? alternative = null)
    {
        // JIT tiers, scratch buffers grow, workers start. 0.3 s was too short: with tiered compilation the first rounds of
        // mlp784-train-1t ran at half speed (17-23 k against 36-38 k images/s later in the same run).
        Measurement.SecondsPerRun(step, 1.5);
        torch.SecondsPerStep(ModelName, mode, Batch, 0.3, cpu);
        alternative?.SecondsPerStep(ModelName, mode, Batch, 0.3, cpu);
        var engine = new List<double>();
        var reference = new List<double>();
        var other = new List<double>();
        for (int round = 0; round < settings.Rounds; round++)
        {
            engine.Add(Batch / Measurement.SecondsPerRun(step, settings.SecondsPerSample, cpu));
            reference.Add(Batch / torch.SecondsPerStep(ModelName, mode, Batch, settings.SecondsPerSample, cpu));
            if (alternative is not null)
                other.Add(Batch / alternative.SecondsPerStep(ModelName, mode, Batch, settings.SecondsPerSample, cpu));
        }
        double referenceMedian = Measurement.Median(reference);
        string unit = cpu ? "images/s (CPU time)" : "images/s";
        if (alternative is not null)
        {
            double otherMedian = Measurement.Median(other);
            unit += otherMedian > referenceMedian
                ? $" (reference = PyTorch on {alternative.Threads} thread, its faster setting)"
                : $" (reference = PyTorch on {torch.Threads} threads, its faster setting)";
            referenceMedian = Math.Max(referenceMedian, otherMedian);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{measure}: PyTorch {alternative.Threads} thread {string.Join(" ", other.Select(BenchmarkNets.Format))}"));
        }
        var row = new ComparisonRow(measure, Measurement.Median(engine), referenceMedian, unit, true);
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{measure}: Engine {string.Join(" ", engine.Select(BenchmarkNets.Format))}; PyTorch {torch.Threads} threads {string.Join(" ", reference.Select(BenchmarkNets.Format))}"));
        return row;
    }
}
