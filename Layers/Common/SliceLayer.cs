using Engine.Memory;
using Engine.Backends.OpenCL;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Cuts the bottom along one axis (<c>axis</c>, default 1, or legacy <c>slice_dim</c>) into as many tops as listed:
/// at the strictly increasing <c>slice_point</c>s (one fewer than the tops), or into equal parts when none are given.
/// Backward writes each top's diff back into its slab.
/// </summary>
[Layer("Slice", Summary = "Splits a blob along an axis at slice points (or equally) into several tops.")]
public sealed class SliceLayer : Layer
{
    private int _axis;
    private int[] _sizes = [];
    private OpenCLKernel? _copyKernel;

    /// <summary>Creates the layer.</summary>
    public SliceLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    public override int ExactNumBottomBlobs => 1;

    /// <inheritdoc />
    public override int MinTopBlobs => 1;

    /// <inheritdoc />
    public override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        SliceParameter p = Param.SliceParam ?? new SliceParameter();
        if (p.HasAxis && p.HasSliceDim)
        {
            throw Error("give either axis or slice_dim, not both.");
        }
        if (p.SlicePoint.Count > 0 && p.SlicePoint.Count != top.Count - 1)
        {
            throw Error($"has {p.SlicePoint.Count} slice_point(s) for {top.Count} tops; give one fewer than the tops, or none for an equal split.");
        }
        _sizes = new int[top.Count];
    }

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        SliceParameter p = Param.SliceParam ?? new SliceParameter();
        Blob x = bottom[0];
        if (p.HasSliceDim)
        {
            if (p.SliceDim >= x.NumAxes)
            {
                throw Error($"slice_dim {p.SliceDim} is out of range for bottom '{x.Name}' of shape {x.ShapeString}.");
            }
            _axis = (int)p.SliceDim;
        }
        else
        {
            _axis = CanonicalAxis(x, p.Axis);
        }
        int dim = x.ShapeAt(_axis);
        if (p.SlicePoint.Count > 0)
        {
            long previous = 0;
            for (int i = 0; i < p.SlicePoint.Count; i++)
            {
                long point = p.SlicePoint[i];
                if (point <= previous || point >= dim)
                {
                    throw Error($"slice_point values {string.Join(" ", p.SlicePoint)} must be strictly increasing and inside (0, {dim}) for axis {_axis} of bottom '{x.Name}' of shape {x.ShapeString}.");
                }
                _sizes[i] = (int)(point - previous);
                previous = point;
            }
            _sizes[^1] = dim - (int)previous;
        }
        else
        {
            if (dim % top.Count != 0)
            {
                throw Error($"axis {_axis} of bottom '{x.Name}' (shape {x.ShapeString}) has size {dim}, which does not split equally into {top.Count} tops.");
            }
            Array.Fill(_sizes, dim / top.Count);
        }
        Span<int> shape = stackalloc int[x.NumAxes];
        x.Shape.CopyTo(shape);
        for (int i = 0; i < top.Count; i++)
        {
            if (ReferenceEquals(top[i], x))
            {
                throw Error($"top {i} ('{top[i].Name}') cannot be the bottom: Slice does not run in place.");
            }
            shape[_axis] = _sizes[i];
            top[i].Reshape(shape);
        }
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ReadOnlySpan<float> x = bottom[0].Data;
        int outer = bottom[0].CountRange(0, _axis);
        int bottomSlab = bottom[0].CountFrom(_axis);
        int offset = 0;
        for (int i = 0; i < top.Count; i++)
        {
            int slab = top[i].CountFrom(_axis);
            Span<float> y = top[i].MutableData;
            for (int n = 0; n < outer; n++)
            {
                x.Slice(n * bottomSlab + offset, slab).CopyTo(y.Slice(n * slab, slab));
            }
            offset += slab;
        }
    }

    /// <inheritdoc />
    protected override void BackwardCpu(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!propagateDown[0])
        {
            return;
        }
        Span<float> dx = bottom[0].MutableDiff;
        int outer = bottom[0].CountRange(0, _axis);
        int bottomSlab = bottom[0].CountFrom(_axis);
        int offset = 0;
        for (int i = 0; i < top.Count; i++)
        {
            int slab = top[i].CountFrom(_axis);
            ReadOnlySpan<float> dy = top[i].Diff;
            for (int n = 0; n < outer; n++)
            {
                dy.Slice(n * slab, slab).CopyTo(dx.Slice(n * bottomSlab + offset, slab));
            }
            offset += slab;
        }
    }

    /// <inheritdoc />
    protected override void ForwardDevice(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (Backend is not OpenCLBackend cl)
        {
            ForwardCpu(bottom, top);
            return;
        }
        CopySlabsOnDevice(cl, bottom[0], bottom[0].DeviceData(), top, toTops: true);
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
        CopySlabsOnDevice(cl, bottom[0], bottom[0].MutableDeviceDiff(), top, toTops: false);
    }

    /// <summary>
    /// Copies each top's slab of <paramref name="whole"/> (the bottom's data or diff, laid out as <paramref name="bottom"/>)
    /// into that top's data, or with <paramref name="toTops"/> false each top's diff back into its slab.
    /// </summary>
    private void CopySlabsOnDevice(OpenCLBackend cl, Blob bottom, IDeviceMemory whole, IReadOnlyList<Blob> top, bool toTops)
    {
        _copyKernel ??= cl.Kernel(typeof(SliceLayer).Assembly, "SliceLayer.cl", "slice_copy");
        int outer = bottom.CountRange(0, _axis);
        int bottomSlab = bottom.CountFrom(_axis);
        int offset = 0;
        for (int i = 0; i < top.Count; i++)
        {
            int slab = top[i].CountFrom(_axis);
            int n = outer * slab;
            IDeviceMemory part = toTops ? top[i].MutableDeviceData() : top[i].DeviceDiff();
            _copyKernel.Arg(0, n).Arg(1, slab).Arg(2, bottomSlab).Arg(3, offset).Arg(4, toTops ? 1 : 0)
                .Arg(5, toTops ? whole : part).Arg(6, toTops ? part : whole).Launch(n);
            offset += slab;
        }
    }
}
