using Engine.Memory;
using Engine.Backends.OpenCL;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Repeats the block of axes from <c>axis</c> (default 1) on, <c>tiles</c> times, as numpy's <c>tile</c>:
/// top.shape[axis] = shape[axis]·tiles. Backward sums the diffs of the copies.
/// </summary>
[Layer("Tile", Summary = "Repeats the trailing block from an axis `tiles` times (numpy tile).")]
public sealed class TileLayer : Layer
{
    private int _axis;
    private int _tiles;
    private OpenCLKernel? _forwardKernel;
    private OpenCLKernel? _backwardKernel;

    /// <summary>Creates the layer.</summary>
    public TileLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    public override int ExactNumBottomBlobs => 1;

    /// <inheritdoc />
    public override int ExactNumTopBlobs => 1;

    /// <inheritdoc />
    public override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        TileParameter p = Param.TileParam ?? new TileParameter();
        if (p.Tiles <= 0)
        {
            throw Error($"tile_param.tiles must be positive, got {p.Tiles}.");
        }
        _tiles = p.Tiles;
    }

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        Blob x = bottom[0];
        if (ReferenceEquals(top[0], x))
        {
            throw Error($"top '{x.Name}' cannot be the bottom: Tile does not run in place.");
        }
        _axis = CanonicalAxis(x, Param.TileParam?.Axis ?? 1);
        Span<int> shape = stackalloc int[x.NumAxes];
        x.Shape.CopyTo(shape);
        shape[_axis] *= _tiles;
        top[0].Reshape(shape);
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ReadOnlySpan<float> x = bottom[0].Data;
        Span<float> y = top[0].MutableData;
        int outer = bottom[0].CountRange(0, _axis);
        int block = bottom[0].CountFrom(_axis);
        for (int n = 0; n < outer; n++)
        {
            ReadOnlySpan<float> src = x.Slice(n * block, block);
            for (int t = 0; t < _tiles; t++)
            {
                src.CopyTo(y.Slice((n * _tiles + t) * block, block));
            }
        }
    }

    /// <inheritdoc />
    protected override void BackwardCpu(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!propagateDown[0])
        {
            return;
        }
        ReadOnlySpan<float> dy = top[0].Diff;
        Span<float> dx = bottom[0].MutableDiff;
        int outer = bottom[0].CountRange(0, _axis);
        int block = bottom[0].CountFrom(_axis);
        for (int n = 0; n < outer; n++)
        {
            Span<float> dst = dx.Slice(n * block, block);
            dy.Slice(n * _tiles * block, block).CopyTo(dst);
            for (int t = 1; t < _tiles; t++)
            {
                Ops.Add(dst, dy.Slice((n * _tiles + t) * block, block), dst);
            }
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
        _forwardKernel ??= cl.Kernel(typeof(TileLayer).Assembly, "TileLayer.cl", "tile_forward");
        int n = top[0].Count;
        _forwardKernel.Arg(0, n).Arg(1, bottom[0].CountFrom(_axis)).Arg(2, _tiles).Arg(3, bottom[0].DeviceData()).Arg(4, top[0].MutableDeviceData())
            .Launch(n);
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
        _backwardKernel ??= cl.Kernel(typeof(TileLayer).Assembly, "TileLayer.cl", "tile_backward");
        int n = bottom[0].Count;
        _backwardKernel.Arg(0, n).Arg(1, bottom[0].CountFrom(_axis)).Arg(2, _tiles).Arg(3, top[0].DeviceDiff()).Arg(4, bottom[0].MutableDeviceDiff())
            .Launch(n);
    }
}
