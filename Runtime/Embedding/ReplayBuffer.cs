namespace Engine.Embedding;

/// <summary>
/// A fixed-capacity ring of (input, target) samples that a simulation fills as it runs and a trainer draws
/// minibatches from. Adding and sampling allocate nothing; when full, the oldest samples are overwritten.
/// Not thread-safe: fill and sample from the same thread, or guard it.
/// </summary>
public sealed class ReplayBuffer
{
    private readonly float[] _inputs;
    private readonly float[] _targets;
    private int _next;

    /// <summary>Creates a buffer for <paramref name="capacity"/> samples of the given sizes.</summary>
    public ReplayBuffer(int capacity, int inputSize, int targetSize)
    {
        if (capacity < 1 || inputSize < 1 || targetSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), "Capacity and sizes must be positive.");
        }
        Capacity = capacity;
        InputSize = inputSize;
        TargetSize = targetSize;
        _inputs = new float[capacity * inputSize];
        _targets = new float[capacity * targetSize];
    }

    /// <summary>Most samples held.</summary>
    public int Capacity { get; }

    /// <summary>Floats per input.</summary>
    public int InputSize { get; }

    /// <summary>Floats per target.</summary>
    public int TargetSize { get; }

    /// <summary>Samples held now.</summary>
    public int Count { get; private set; }

    /// <summary>Adds one sample, overwriting the oldest when full.</summary>
    public void Add(ReadOnlySpan<float> input, ReadOnlySpan<float> target)
    {
        if (input.Length != InputSize || target.Length != TargetSize)
        {
            throw new ArgumentException($"A sample has {InputSize} input and {TargetSize} target floats; got {input.Length} and {target.Length}.");
        }
        input.CopyTo(_inputs.AsSpan(_next * InputSize, InputSize));
        target.CopyTo(_targets.AsSpan(_next * TargetSize, TargetSize));
        _next = (_next + 1) % Capacity;
        Count = Math.Min(Count + 1, Capacity);
    }

    /// <summary>Draws <paramref name="count"/> samples uniformly (with replacement) into the spans.</summary>
    public void Sample(int count, Span<float> inputs, Span<float> targets, EngineRandom random)
    {
        if (Count == 0)
        {
            throw new InvalidOperationException("The replay buffer is empty.");
        }
        for (int i = 0; i < count; i++)
        {
            int s = random.NextInt(Count);
            _inputs.AsSpan(s * InputSize, InputSize).CopyTo(inputs.Slice(i * InputSize, InputSize));
            _targets.AsSpan(s * TargetSize, TargetSize).CopyTo(targets.Slice(i * TargetSize, TargetSize));
        }
    }
}
