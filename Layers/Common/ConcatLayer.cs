using Engine.Memory;
using Engine.Backends.OpenCL;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Joins bottoms along one axis (<c>axis</c>, default 1, or the legacy <c>concat_dim</c>); every other dimension must
/// agree. Backward hands each bottom its slab of the top diff.
/// </summary>
[Layer("Concat", Summary = "Concatenates bottoms along an axis (axis or legacy concat_dim).")]
public sealed class ConcatLayer : Layer
{
    private int _axis;
    private OpenCLKernel? _copyKernel;

    /// <summary>Creates the layer.</summary>
    public ConcatLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    public override int MinBottomBlobs => 1;

    /// <inheritdoc />
    public override int ExactNumTopBlobs => 1;

    /// <inheritdoc />
    public override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ConcatParameter p = Param.ConcatParam ?? new ConcatParameter();
        if (p.HasAxis && p.HasConcatDim)
        {
            throw Error("give either axis or concat_dim, not both.");
        }
    }

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ConcatParameter p = Param.ConcatParam ?? new ConcatParameter();
        Blob first = bottom[0];
        if (p.HasConcatDim)
        {
            if (p.ConcatDim >= first.NumAxes)
            {
                throw Error($"concat_dim {p.ConcatDim} is out of range for bottom '{first.Name}' of shape {first.ShapeString}.");
            }
            _axis = (int)p.ConcatDim;
        }
        else
        {
            _axis = CanonicalAxis(first, p.Axis);
        }
        int total = first.ShapeAt(_axis);
        for (int i = 1; i < bottom.Count; i++)
        {
            Blob b = bottom[i];
            bool match = b.NumAxes == first.NumAxes;
            for (int a = 0; match && a < first.NumAxes; a++)
            {
                match = a == _axis || b.Shape[a] == first.Shape[a];
            }
            if (!match)
            {
                throw Error($"bottom '{b.Name}' of shape {b.ShapeString} does not match bottom '{first.Name}' of shape {first.ShapeString} outside concat axis {_axis}.");
            }
            total += b.Shape[_axis];
        }
        Span<int> shape = stackalloc int[first.NumAxes];
        first.Shape.CopyTo(shape);
        shape[_axis] = total;
        top[0].Reshape(shape);
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        Span<float> y = top[0].MutableData;
        int outer = top[0].CountRange(0, _axis);
        int topSlab = top[0].CountFrom(_axis);
        int offset = 0;
        foreach (Blob b in bottom)
        {
            int slab = b.CountFrom(_axis);
            ReadOnlySpan<float> x = b.Data;
            for (int n = 0; n < outer; n++)
            {
                x.Slice(n * slab, slab).CopyTo(y.Slice(n * topSlab + offset, slab));
            }
            offset += slab;
        }
    }

    /// <inheritdoc />
    protected override void BackwardCpu(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        ReadOnlySpan<float> dy = top[0].Diff;
        int outer = top[0].CountRange(0, _axis);
        int topSlab = top[0].CountFrom(_axis);
        int offset = 0;
        for (int i = 0; i < bottom.Count; i++)
        {
            int slab = bottom[i].CountFrom(_axis);
            if (propagateDown[i])
            {
                Span<float> dx = bottom[i].MutableDiff;
                for (int n = 0; n < outer; n++)
                {
                    dy.Slice(n * topSlab + offset, slab).CopyTo(dx.Slice(n * slab, slab));
                }
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
        _copyKernel ??= cl.Kernel(typeof(ConcatLayer).Assembly, "ConcatLayer.cl", "concat_copy");
        IDeviceMemory y = top[0].MutableDeviceData();
        int outer = top[0].CountRange(0, _axis);
        int topSlab = top[0].CountFrom(_axis);
        int offset = 0;
        foreach (Blob b in bottom)
        {
            int slab = b.CountFrom(_axis);
            int n = outer * slab;
            _copyKernel.Arg(0, n).Arg(1, slab).Arg(2, topSlab).Arg(3, offset).Arg(4, 1).Arg(5, b.DeviceData()).Arg(6, y).Launch(n);
            offset += slab;
        }
    }

    /// <inheritdoc />
    protected override void BackwardDevice(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (Backend is not OpenCLBackend cl)
        {
            BackwardCpu(top, propagateDown, bottom);
            return;
        }
        _copyKernel ??= cl.Kernel(typeof(ConcatLayer).Assembly, "ConcatLayer.cl", "concat_copy");
        IDeviceMemory dy = top[0].DeviceDiff();
        int outer = top[0].CountRange(0, _axis);
        int topSlab = top[0].CountFrom(_axis);
        int offset = 0;
        for (int i = 0; i < bottom.Count; i++)
        {
            int slab = bottom[i].CountFrom(_axis);
            if (propagateDown[i])
            {
                int n = outer * slab;
                _copyKernel.Arg(0, n).Arg(1, slab).Arg(2, topSlab).Arg(3, offset).Arg(4, 0).Arg(5, dy).Arg(6, bottom[i].MutableDeviceDiff()).Launch(n);
            }
            offset += slab;
        }
    }
}
