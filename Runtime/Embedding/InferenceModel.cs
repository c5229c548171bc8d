using Engine.Backends.Cpu;
using Engine.Proto;

namespace Engine.Embedding;

/// <summary>
/// A trained net prepared for embedding: it holds the weights once and hands out lightweight <see cref="Inference"/>
/// handles that share them and own only their activations. Handles are queried with spans, allocate nothing per call
/// and take no locks; use one handle per thread. <see cref="UpdateWeights"/> swaps in new weights atomically: each
/// handle picks them up at the start of its next call, so a call never sees a half-written weight set.
/// </summary>
public sealed class InferenceModel
{
    private readonly NetParameter _definition;
    private readonly LayerRegistry _registry;
    private WeightSet _weights;

    /// <summary>Creates a model from a definition (built in TEST phase) and optional trained weights (by layer name).</summary>
    /// <param name="definition">The net; its Input layers declare the inputs (their first axis is the batch).</param>
    /// <param name="registry">Layer types.</param>
    /// <param name="weights">Trained weights (a <c>.caffemodel</c>'s NetParameter), or null to keep the fillers' values.</param>
    /// <param name="outputBlob">The blob handles return; null takes the net's last output.</param>
    /// <param name="seed">Seed for fillers when no weights are given.</param>
    public InferenceModel(NetParameter definition, LayerRegistry registry, NetParameter? weights = null, string? outputBlob = null, ulong seed = 1)
    {
        _definition = definition.Clone();
        _registry = registry;
        using Net master = new(_definition, registry, new NetOptions { Phase = Phase.Test, Seed = seed, Backend = new CpuBackend(new WorkerPool(1)) });
        if (weights is not null)
        {
            master.CopyTrainedLayersFrom(weights);
        }
        if (master.InputBlobs.Count == 0)
        {
            throw new NetException($"Net '{definition.Name}' has no Input layer; an inference model needs one to feed.");
        }
        InputName = master.InputBlobs[0].Name;
        OutputName = outputBlob ?? master.OutputBlobs[^1].Name;
        if (!master.HasBlob(OutputName))
        {
            throw new NetException($"Net '{definition.Name}' has no blob '{OutputName}' to use as output.");
        }
        InputSize = master.GetBlob(InputName).CountFrom(1);
        OutputSize = master.GetBlob(OutputName).CountFrom(1);
        _weights = WeightSet.CopyFrom(master, 0);
    }

    /// <summary>Name of the input blob handles write.</summary>
    public string InputName { get; }

    /// <summary>Name of the output blob handles read.</summary>
    public string OutputName { get; }

    /// <summary>Floats per sample of input.</summary>
    public int InputSize { get; }

    /// <summary>Floats per sample of output.</summary>
    public int OutputSize { get; }

    /// <summary>Number of weight swaps so far (0 for the initial weights).</summary>
    public int WeightGeneration => Volatile.Read(ref _weights).Generation;

    internal WeightSet CurrentWeights => Volatile.Read(ref _weights);

    /// <summary>
    /// Creates a handle for up to <paramref name="maxBatch"/> samples per call. Each handle builds its own activations
    /// (allocates once, here) and runs single-threaded, so results are identical whatever thread calls it.
    /// </summary>
    public Inference CreateHandle(int maxBatch = 1)
    {
        if (maxBatch < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxBatch), "A handle serves at least one sample per call.");
        }
        NetParameter def = _definition.Clone();
        foreach (LayerParameter layer in def.Layer)
        {
            if (layer.Type == "Input" && layer.InputParam is not null)
            {
                foreach (BlobShape shape in layer.InputParam.Shape)
                {
                    if (shape.Dim.Count > 0)
                    {
                        shape.Dim[0] = maxBatch;
                    }
                }
            }
        }
        var net = new Net(def, _registry, new NetOptions { Phase = Phase.Test, Backend = new CpuBackend(new WorkerPool(1)) });
        return new Inference(this, net, maxBatch);
    }

    /// <summary>Swaps in the parameters of a (training) net with the same layer names; handles see them from their next call.</summary>
    public void UpdateWeights(Net trained)
    {
        WeightSet next = WeightSet.CopyFrom(trained, Volatile.Read(ref _weights).Generation + 1);
        Validate(next);
        Volatile.Write(ref _weights, next);
    }

    private void Validate(WeightSet next)
    {
        foreach ((string layer, Blob[] blobs) in _weights.BlobsByLayer)
        {
            if (!next.BlobsByLayer.TryGetValue(layer, out Blob[]? other) || other.Length != blobs.Length)
            {
                throw new NetException($"The new weights lack layer '{layer}' or have another number of blobs for it.");
            }
            for (int k = 0; k < blobs.Length; k++)
            {
                if (!blobs[k].ShapeEquals(other[k]))
                {
                    throw new NetException($"The new weights for layer '{layer}' blob {k} have shape {other[k].ShapeString}, the model has {blobs[k].ShapeString}.");
                }
            }
        }
    }
}
