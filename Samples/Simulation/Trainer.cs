using Engine.Backends.Cpu;
using Engine.Embedding;
using Engine.Proto;

namespace Engine.Samples.Simulation;

/// <summary>
/// Learns the expert's choices from the simulation's own data: samples go into a replay buffer as the world runs,
/// and each <see cref="Step"/> is one minibatch update (momentum SGD, Caffe's rule h ← μh + lr·g, w ← w − h).
/// </summary>
internal sealed class Trainer : IDisposable
{
    private const int Batch = 128;
    private const float LearningRate = 0.05f;
    private const float Momentum = 0.9f;

    private readonly ReplayBuffer _buffer = new(50_000, Senses.Size, 1);
    private readonly EngineRandom _random;
    private readonly float[][] _history;
    private readonly Blob _data;
    private readonly Blob _label;

    public Trainer(LayerRegistry registry, ulong seed)
    {
        _random = new EngineRandom(seed ^ 0x5EED);
        Net = new Net(Policy.Training(Batch), registry, new NetOptions { Phase = Phase.Train, Seed = seed, Backend = new CpuBackend(new WorkerPool(1)) });
        _history = Net.LearnableParams.Select(p => new float[p.Count]).ToArray();
        _data = Net.GetBlob("data");
        _label = Net.GetBlob("label");
    }

    /// <summary>The training net (its layer names match the inference net's, so its weights can be swapped in).</summary>
    public Net Net { get; }

    /// <summary>Samples collected so far (capped by the buffer).</summary>
    public int Samples => _buffer.Count;

    /// <summary>Adds one labelled observation.</summary>
    public void Add(ReadOnlySpan<float> observation, int action)
    {
        Span<float> target = [action];
        _buffer.Add(observation, target);
    }

    /// <summary>One minibatch update; returns the batch loss.</summary>
    public float Step()
    {
        _buffer.Sample(Batch, _data.MutableData, _label.MutableData, _random);
        Net.ClearParamDiffs();
        float loss = Net.ForwardBackward();
        for (int p = 0; p < _history.Length; p++)
        {
            Blob param = Net.LearnableParams[p];
            Span<float> h = _history[p];
            ReadOnlySpan<float> g = param.Diff;
            for (int k = 0; k < h.Length; k++)
            {
                h[k] = Momentum * h[k] + LearningRate * g[k];
            }
            h.CopyTo(param.MutableDiff);
        }
        Net.Update();
        return loss;
    }

    public void Dispose() => Net.Dispose();
}
