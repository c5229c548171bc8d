using Engine.Memory;
using Engine.Backends.OpenCL;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Hands one blob to several readers: every top shares the bottom's data; backward sums the tops' diffs.
/// The net inserts these automatically where a blob has more than one reader.
/// </summary>
[Layer("Split", Summary = "Copies a blob to several tops (shared data) and sums their gradients.")]
public sealed class SplitLayer : Layer
{
    /// <summary>Creates the layer.</summary>
    public SplitLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    public override int ExactNumBottomBlobs => 1;

    /// <inheritdoc />
    public override int MinTopBlobs => 1;

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        for (int i = 0; i < top.Count; i++)
        {
            if (ReferenceEquals(top[i], bottom[0]))
            {
                throw Error($"top {i} ('{top[i].Name}') cannot be the bottom: Split does not run in place.");
            }
            top[i].ReshapeLike(bottom[0]);
            top[i].ShareData(bottom[0]);
        }
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        // Data is shared; nothing to copy.
    }

    /// <inheritdoc />
    protected override void BackwardCpu(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!propagateDown[0])
        {
            return;
        }
        Span<float> dx = bottom[0].MutableDiff;
        top[0].Diff.CopyTo(dx);
        for (int i = 1; i < top.Count; i++)
        {
            Ops.Axpy(1f, top[i].Diff, dx);
        }
    }

    /// <inheritdoc />
    protected override void ForwardDevice(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        // Data is shared; nothing to copy, and nothing to move between host and device.
    }

    /// <inheritdoc />
    protected override void BackwardDevice(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (Backend is not OpenCLBackend cl)
        {
            BackwardCpu(top, propagateDown, bottom);
            return;
        }
        if (!propagateDown[0])
        {
            return;
        }
        int n = bottom[0].Count;
        IDeviceMemory first = top[0].DeviceDiff();
        IDeviceMemory dx = bottom[0].MutableDeviceDiff();
        cl.DeviceMath.Copy(n, first, 0, dx, 0);
        for (int i = 1; i < top.Count; i++)
        {
            cl.DeviceMath.Axpy(n, 1f, top[i].DeviceDiff(), 0, dx, 0);
        }
    }
}
