using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Declares the net's inputs: each top gets a shape from <c>input_param.shape</c> (one shape for all tops, or one per top).
/// The caller writes the data before <c>Forward</c>.
/// </summary>
[Layer("Input", Summary = "Net input blobs with shapes from input_param; filled by the caller.")]
public sealed class InputLayer : Layer
{
    /// <summary>Creates the layer.</summary>
    public InputLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    public override int ExactNumBottomBlobs => 0;

    /// <inheritdoc />
    public override int MinTopBlobs => 1;

    /// <inheritdoc />
    public override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        var shapes = Param.InputParam?.Shape;
        int count = shapes?.Count ?? 0;
        if (count > 1 && count != top.Count)
        {
            throw Error($"has {count} shapes for {top.Count} tops; give one shape for all tops or one per top.");
        }
        for (int i = 0; i < top.Count && count > 0; i++)
        {
            BlobShape s = shapes![count == 1 ? 0 : i];
            var dims = new int[s.Dim.Count];
            for (int d = 0; d < dims.Length; d++)
            {
                if (s.Dim[d] < 0 || s.Dim[d] > int.MaxValue)
                {
                    throw Error($"input shape {string.Join(" ", s.Dim)} for top '{top[i].Name}' has an invalid dimension.");
                }
                dims[d] = (int)s.Dim[d];
            }
            top[i].Reshape(dims);
        }
    }

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
    }
}
