using Engine.Memory;
using Engine.Backends.OpenCL;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>Consumes bottoms so they are not net outputs; has no tops. Backward gives the bottoms a zero gradient.</summary>
[Layer("Silence", Summary = "Swallows its bottoms (no tops); zero gradient.")]
public sealed class SilenceLayer : Layer
{
    /// <summary>Creates the layer.</summary>
    public SilenceLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    public override int MinBottomBlobs => 1;

    /// <inheritdoc />
    public override int ExactNumTopBlobs => 0;

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
    }

    /// <inheritdoc />
    protected override void BackwardCpu(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        for (int i = 0; i < bottom.Count; i++)
        {
            if (propagateDown[i])
            {
                bottom[i].MutableDiff.Clear();
            }
        }
    }

    /// <inheritdoc />
    protected override void ForwardDevice(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
    }

    /// <inheritdoc />
    protected override void BackwardDevice(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (Backend is not OpenCLBackend cl)
        {
            BackwardCpu(top, propagateDown, bottom);
            return;
        }
        for (int i = 0; i < bottom.Count; i++)
        {
            if (propagateDown[i])
            {
                cl.DeviceMath.Set(bottom[i].Count, 0f, bottom[i].MutableDeviceDiff(), 0);
            }
        }
    }
}
