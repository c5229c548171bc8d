using Engine.Embedding;
using Engine.Layers;
using Engine.Proto;
using Engine.Solvers;

namespace Engine.Samples.Simulation;

/// <summary>
/// Learns the expert's choices from the simulation's own data: samples go into a <see cref="ReplayBuffer"/> as the
/// world runs, and each <see cref="Step"/> hands one minibatch to the training net's MemoryData layer and runs one
/// solver iteration (Caffe's SGD with momentum, the same solver `engine train` uses).
/// </summary>
internal sealed class Trainer : IDisposable
{
    private const int Batch = 128;

    private readonly ReplayBuffer _buffer = new(50_000, Senses.Size, 1);
    private readonly EngineRandom _random;
    private readonly Solver _solver;
    private readonly MemoryDataLayer _feed;
    private readonly float[] _batchData = new float[Batch * Senses.Size];
    private readonly float[] _batchLabels = new float[Batch];

    public Trainer(SolverFactory factory, ulong seed)
    {
        _random = new EngineRandom(seed ^ 0x5EED);
        var param = new SolverParameter
        {
            NetParam = Policy.Training(Batch),
            Type = "SGD",
            BaseLr = 0.05f,
            Momentum = 0.9f,
            LrPolicy = "fixed",
            MaxIter = int.MaxValue,
            RandomSeed = (long)seed,
            SnapshotAfterTrain = false,
        };
        _solver = factory.Create(param);
        _feed = (MemoryDataLayer)_solver.Net.GetLayer("data");
    }

    /// <summary>The training net (its layer names match the inference net's, so its weights can be swapped in).</summary>
    public Net Net => _solver.Net;

    /// <summary>Samples collected so far (capped by the buffer).</summary>
    public int Samples => _buffer.Count;

    /// <summary>Adds one labelled observation.</summary>
    public void Add(ReadOnlySpan<float> observation, int action)
    {
        Span<float> target = [action];
        _buffer.Add(observation, target);
    }

    /// <summary>One solver iteration on a fresh minibatch from the replay buffer; returns its loss.</summary>
    public float Step()
    {
        _buffer.Sample(Batch, _batchData, _batchLabels, _random);
        _feed.Reset(_batchData, _batchLabels, Batch);
        _solver.Step(1);
        return _solver.SmoothedLoss;
    }

    public void Dispose() => _solver.Dispose();
}
