using Engine.Backends.OpenCL;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// A layer whose top is the bottom's data under another shape (Flatten, Reshape): the subclass's <c>Reshape</c> sets the
/// top's shape and shares the bottom's data, so forward computes nothing on either backend and backward copies the diff
/// back (the diffs stay separate, so the layer also works where they are written independently).
/// </summary>
public abstract class ShapeViewLayer : Layer
{
    /// <summary>Creates the layer.</summary>
    protected ShapeViewLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    public override int ExactNumBottomBlobs => 1;

    /// <inheritdoc />
    public override int ExactNumTopBlobs => 1;

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        // Data is shared; nothing to compute.
    }

    /// <inheritdoc />
    protected override void BackwardCpu(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (propagateDown[0])
        {
            top[0].Diff.CopyTo(bottom[0].MutableDiff);
        }
    }

    /// <inheritdoc />
    protected override void ForwardDevice(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        // Data is shared; nothing to compute, and nothing to move between host and device.
    }

    /// <inheritdoc />
    protected override void BackwardDevice(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (Backend is not OpenCLBackend cl)
        {
            BackwardCpu(top, propagateDown, bottom);
            return;
        }
        if (propagateDown[0])
        {
            cl.DeviceMath.Copy(bottom[0].Count, top[0].DeviceDiff(), 0, bottom[0].MutableDeviceDiff(), 0);
        }
    }
}
