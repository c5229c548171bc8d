using Engine.Backends.OpenCL;
using Engine.Memory;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Spatial pyramid pooling: for level l of <c>pyramid_height</c>, pools the (N, C, H, W) bottom into 2^l × 2^l bins
/// (kernel ceil(H/2^l), stride = kernel, pad (kernel·2^l − H + 1)/2, per axis, as Caffe), flattens each level to
/// (N, C·bins) and concatenates them along axis 1. With one level the top is the pooled (N, C, 1, 1) blob.
/// Built from internal Pooling layers, re-created when the bottom's H or W changes.
/// </summary>
[Layer("SPP", Summary = "Spatial pyramid pooling (MAX/AVE), levels flattened and concatenated.")]
public sealed class SPPLayer : Layer
{
    private PoolingParameter.Types.PoolMethod _method;
    private int _levels;
    private int _height = -1;
    private int _width = -1;
    private PoolingLayer[] _pools = [];
    private Blob[][] _poolTops = [];
    private Blob[] _bottomList = [];
    private Blob[] _scratchList = [];
    private bool[] _propagate = [true];
    private Blob _scratch = null!;
    private OpenCLKernel? _copy;

    /// <summary>Creates the layer.</summary>
    public SPPLayer(LayerParameter param)
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
        SPPParameter p = Param.SppParam ?? new SPPParameter();
        if (p.PyramidHeight == 0)
        {
            throw Error("spp_param.pyramid_height must be greater than 0.");
        }
        if (p.Pool == SPPParameter.Types.PoolMethod.Stochastic)
        {
            throw Error("pool: STOCHASTIC is not supported on the CPU (Caffe implements it on the GPU only); use MAX or AVE.");
        }
        _levels = (int)p.PyramidHeight;
        _method = p.Pool == SPPParameter.Types.PoolMethod.Max ? PoolingParameter.Types.PoolMethod.Max : PoolingParameter.Types.PoolMethod.Ave;
        // The internal blobs live on this layer's backend, so that the pooling levels run on the device with it.
        _scratch = new Blob(Name + "/bottom_diff", Backend);
        _bottomList = [bottom[0]];
        _scratchList = [_scratch];
        _poolTops = new Blob[_levels][];
        for (int l = 0; l < _levels; l++)
        {
            _poolTops[l] = [new Blob($"{Name}/level{l}", Backend)];
        }
    }

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        Blob b = bottom[0];
        if (b.NumAxes != 4)
        {
            throw Error($"bottom '{b.Name}' must have 4 axes (num, channels, height, width), got shape {b.ShapeString}.");
        }
        _bottomList[0] = b;
        if (b.ShapeAt(2) != _height || b.ShapeAt(3) != _width)
        {
            _height = b.ShapeAt(2);
            _width = b.ShapeAt(3);
            BuildPools(b);
        }
        else
        {
            for (int l = 0; l < _levels; l++)
            {
                _pools[l].Reshape(_bottomList, _poolTops[l]);
            }
        }
        if (_levels == 1)
        {
            top[0].ReshapeLike(_poolTops[0][0]);
        }
        else
        {
            int perImage = 0;
            for (int l = 0; l < _levels; l++)
            {
                perImage += _poolTops[l][0].CountFrom(1);
            }
            Span<int> shape = stackalloc int[] { b.ShapeAt(0), perImage };
            top[0].Reshape(shape);
        }
        _scratch.ReshapeLike(b);
    }

    private void BuildPools(Blob bottom)
    {
        foreach (PoolingLayer pool in _pools)
        {
            pool.Dispose();
        }
        _pools = new PoolingLayer[_levels];
        for (int l = 0; l < _levels; l++)
        {
            int bins = 1 << l;
            (uint kh, uint ph) = Bin(_height, bins);
            (uint kw, uint pw) = Bin(_width, bins);
            var def = new LayerParameter
            {
                Name = $"{Name}/level{l}", Type = "Pooling", Phase = Phase,
                PoolingParam = new PoolingParameter { Pool = _method, KernelH = kh, KernelW = kw, StrideH = kh, StrideW = kw, PadH = ph, PadW = pw },
            };
            var pool = new PoolingLayer(def) { Backend = Backend, Random = Random };
            try
            {
                pool.SetUp(_bottomList, _poolTops[l]);
            }
            catch (LayerException e)
            {
                throw Error($"pyramid level {l} ({bins}×{bins} bins) does not fit bottom '{bottom.Name}' of shape {bottom.ShapeString}: {e.Message}");
            }
            _pools[l] = pool;
        }
    }

    /// <summary>Caffe's bin geometry: kernel ceil(size/bins), pad (kernel·bins − size + 1)/2.</summary>
    private static (uint Kernel, uint Pad) Bin(int size, int bins)
    {
        int kernel = (size + bins - 1) / bins;
        int pad = (kernel * bins - size + 1) / 2;
        return ((uint)kernel, (uint)pad);
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        Span<float> y = top[0].MutableData;
        int num = bottom[0].ShapeAt(0), topDim = top[0].Count / Math.Max(num, 1), offset = 0;
        for (int l = 0; l < _levels; l++)
        {
            Blob pooled = _poolTops[l][0];
            _pools[l].Forward(_bottomList, _poolTops[l]);
            int dim = pooled.CountFrom(1);
            ReadOnlySpan<float> src = pooled.Data;
            for (int n = 0; n < num; n++)
            {
                src.Slice(n * dim, dim).CopyTo(y.Slice(n * topDim + offset, dim));
            }
            offset += dim;
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
        int num = bottom[0].ShapeAt(0), topDim = top[0].Count / Math.Max(num, 1), offset = 0;
        for (int l = 0; l < _levels; l++)
        {
            Blob pooled = _poolTops[l][0];
            int dim = pooled.CountFrom(1);
            Span<float> pd = pooled.MutableDiff;
            for (int n = 0; n < num; n++)
            {
                dy.Slice(n * topDim + offset, dim).CopyTo(pd.Slice(n * dim, dim));
            }
            offset += dim;
            if (l == 0)
            {
                _pools[l].Backward(_poolTops[l], _propagate, _bottomList);
            }
            else
            {
                // Pooling overwrites its bottom diff: later levels go through a scratch blob and are added.
                _pools[l].Backward(_poolTops[l], _propagate, _scratchList);
                Ops.Add(dx, _scratch.Diff, dx);
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
        _copy ??= cl.Kernel(typeof(SPPLayer).Assembly, "SPPLayer.cl", "spp_copy_level");
        IDeviceMemory y = top[0].MutableDeviceData();
        int num = bottom[0].ShapeAt(0), topDim = top[0].Count / Math.Max(num, 1), offset = 0;
        for (int l = 0; l < _levels; l++)
        {
            Blob pooled = _poolTops[l][0];
            _pools[l].Forward(_bottomList, _poolTops[l]);
            int dim = pooled.CountFrom(1);
            CopyLevel(num, dim, topDim, offset, pooled.DeviceData(), y, toTop: true);
            offset += dim;
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
        if (!propagateDown[0])
        {
            return;
        }
        _copy ??= cl.Kernel(typeof(SPPLayer).Assembly, "SPPLayer.cl", "spp_copy_level");
        IDeviceMemory dy = top[0].DeviceDiff(); // only read: the kernel copies both ways, so its argument is not const
        int num = bottom[0].ShapeAt(0), topDim = top[0].Count / Math.Max(num, 1), offset = 0;
        for (int l = 0; l < _levels; l++)
        {
            Blob pooled = _poolTops[l][0];
            int dim = pooled.CountFrom(1);
            CopyLevel(num, dim, topDim, offset, pooled.MutableDeviceDiff(), dy, toTop: false);
            offset += dim;
            if (l == 0)
            {
                _pools[l].Backward(_poolTops[l], _propagate, _bottomList);
            }
            else
            {
                // Pooling overwrites its bottom diff: later levels go through a scratch blob and are added.
                _pools[l].Backward(_poolTops[l], _propagate, _scratchList);
                cl.DeviceMath.Axpy(bottom[0].Count, 1f, _scratch.DeviceDiff(), 0, bottom[0].MutableDeviceDiff(), 0);
            }
        }
    }

    private void CopyLevel(int num, int dim, int topDim, int offset, IDeviceMemory level, IDeviceMemory top, bool toTop)
        => _copy!.Arg(0, num).Arg(1, dim).Arg(2, topDim).Arg(3, offset).Arg(4, level).Arg(5, top).Arg(6, toTop ? 1 : 0).Launch((long)num * dim);

    /// <inheritdoc />
    public override void Dispose()
    {
        foreach (PoolingLayer pool in _pools)
        {
            pool.Dispose();
        }
        foreach (Blob[] tops in _poolTops)
        {
            tops[0].Dispose();
        }
        _scratch?.Dispose();
        base.Dispose();
    }
}
