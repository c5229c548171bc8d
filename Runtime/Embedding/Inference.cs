namespace Engine.Embedding;

/// <summary>
/// A handle for querying an <see cref="InferenceModel"/>: shares the model's weights, owns its activations.
/// Calls allocate nothing and take no locks. A handle is not thread-safe: give each thread its own.
/// </summary>
public sealed class Inference : IDisposable
{
    private readonly InferenceModel _model;
    private readonly Net _net;
    private readonly Blob _input;
    private readonly Blob _output;
    private readonly int[] _inputShape;
    private WeightSet? _weights;

    internal Inference(InferenceModel model, Net net, int maxBatch)
    {
        _model = model;
        _net = net;
        MaxBatch = maxBatch;
        _input = net.GetBlob(model.InputName);
        _output = net.GetBlob(model.OutputName);
        _inputShape = _input.ShapeArray;
        AdoptWeights(model.CurrentWeights);
    }

    /// <summary>Largest number of samples per call.</summary>
    public int MaxBatch { get; }

    /// <summary>Weight generation this handle used in its last call.</summary>
    public int WeightGeneration => _weights?.Generation ?? -1;

    /// <summary>The handle's own net (for inspection; do not share it between threads).</summary>
    public Net Net => _net;

    /// <summary>Runs one sample: <paramref name="input"/> holds InputSize floats, <paramref name="output"/> receives OutputSize.</summary>
    public void Run(ReadOnlySpan<float> input, Span<float> output) => RunBatch(input, output, 1);

    /// <summary>Runs <paramref name="count"/> samples laid out one after another in <paramref name="input"/> and <paramref name="output"/>.</summary>
    /// <exception cref="ArgumentException">Count above <see cref="MaxBatch"/> or spans of the wrong length.</exception>
    public void RunBatch(ReadOnlySpan<float> input, Span<float> output, int count)
    {
        if (count < 1 || count > MaxBatch)
        {
            throw new ArgumentException($"count {count} is outside [1, {MaxBatch}] for this handle.", nameof(count));
        }
        int inSize = _model.InputSize, outSize = _model.OutputSize;
        if (input.Length < count * inSize || output.Length < count * outSize)
        {
            throw new ArgumentException($"{count} sample(s) need {count * inSize} input and {count * outSize} output floats; got {input.Length} and {output.Length}.");
        }
        WeightSet current = _model.CurrentWeights;
        if (!ReferenceEquals(current, _weights))
        {
            AdoptWeights(current);
        }
        if (_input.ShapeAt(0) != count)
        {
            // Reshaping within capacity reuses memory; the shape array is the handle's own.
            _inputShape[0] = count;
            _input.Reshape(_inputShape);
            _net.Reshape();
        }
        input[..(count * inSize)].CopyTo(_input.MutableData);
        _net.Forward();
        _output.Data[..(count * outSize)].CopyTo(output);
    }

    private void AdoptWeights(WeightSet weights)
    {
        foreach (Layer layer in _net.Layers)
        {
            if (weights.BlobsByLayer.TryGetValue(layer.Name, out Blob[]? blobs))
            {
                for (int k = 0; k < blobs.Length; k++)
                {
                    layer.Blobs[k].ShareData(blobs[k]);
                }
            }
        }
        _weights = weights;
    }

    /// <summary>Releases the handle's activations (the shared weights stay with the model).</summary>
    public void Dispose() => _net.Dispose();
}
