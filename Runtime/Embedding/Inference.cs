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

    // Per layer: the fused convolution + pooling pass that replaces it and the next layer, or null to run it as it is.
    private readonly IFusesMaxPool2x2?[] _fused;
    private bool _anyFused;

    internal Inference(InferenceModel model, Net net, int maxBatch)
    {
        _model = model;
        _net = net;
        MaxBatch = maxBatch;
        _input = net.GetBlob(model.InputName);
        _output = net.GetBlob(model.OutputName);
        _inputShape = _input.ShapeArray;
        AdoptWeights(model.CurrentWeights);
        _fused = new IFusesMaxPool2x2?[net.Layers.Count];
        PlanFusion();
    }

    /// <summary>Largest number of samples per call.</summary>
    public int MaxBatch { get; }

    /// <summary>Weight generation this handle used in its last call.</summary>
    public int WeightGeneration => _weights?.Generation ?? -1;

    /// <summary>Number of convolution + max pooling pairs this handle runs as one pass (for tests).</summary>
    internal int FusedPairs => _fused.Count(f => f is not null);

    /// <summary>
    /// The handle's own net (for inspection; do not share it between threads). The output blob of a convolution that the
    /// handle fuses with the max pooling after it is not written by <see cref="Run"/>.
    /// </summary>
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
            PlanFusion();
        }
        input[..(count * inSize)].CopyTo(_input.MutableData);
        if (_anyFused)
        {
            ForwardFused();
        }
        else
        {
            _net.Forward();
        }
        _output.Data[..(count * outSize)].CopyTo(output);
    }

    private void ForwardFused()
    {
        int layers = _fused.Length;
        for (int i = 0; i < layers; i++)
        {
            IFusesMaxPool2x2? fused = _fused[i];
            if (fused is null)
            {
                _net.ForwardFromTo(i, i);
                continue;
            }
            // Shapes were settled by the last Reshape; the pair's own Reshape calls would only repeat them.
            fused.ForwardFusedMaxPool2x2(_net.BottomsOf(i), _net.TopsOf(i + 1)[0]);
            i++;
        }
    }

    /// <summary>
    /// Marks each layer whose output only feeds a following 2×2 max pooling (values only) and that can compute the pooled
    /// values directly: the handle then skips writing that output (its blob keeps stale values; the handle's result is
    /// the same, bit for bit).
    /// </summary>
    private void PlanFusion()
    {
        Array.Clear(_fused);
        _anyFused = false;
        IReadOnlyList<Layer> layers = _net.Layers;
        for (int i = 0; i + 1 < layers.Count; i++)
        {
            if (layers[i] is not IFusesMaxPool2x2 producer || layers[i + 1] is not IMaxPool2x2Values { IsMaxPool2x2Values: true })
            {
                continue;
            }
            IReadOnlyList<Blob> bottoms = _net.BottomsOf(i), tops = _net.TopsOf(i);
            if (tops.Count != 1 || _net.BottomsOf(i + 1).Count != 1 || !ReferenceEquals(_net.BottomsOf(i + 1)[0], tops[0])
                || ReferenceEquals(tops[0], _output) || ReadByOthers(tops[0], i + 1) || !producer.CanFuseMaxPool2x2(bottoms, tops))
            {
                continue;
            }
            _fused[i] = producer;
            _anyFused = true;
            i++;
        }
    }

    private bool ReadByOthers(Blob blob, int consumer)
    {
        for (int j = 0; j < _net.Layers.Count; j++)
        {
            if (j == consumer)
            {
                continue;
            }
            IReadOnlyList<Blob> bottoms = _net.BottomsOf(j);
            for (int k = 0; k < bottoms.Count; k++)
            {
                if (ReferenceEquals(bottoms[k], blob))
                {
                    return true;
                }
            }
        }
        return false;
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
