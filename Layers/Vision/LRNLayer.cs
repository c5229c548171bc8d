using Engine.Backends.OpenCL;
using Engine.Memory;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Local response normalisation of an (N, C, H, W) bottom, y = x·s^(−β):
/// ACROSS_CHANNELS s = k + (α/n)·Σ x² over the n channels centred on c (zero outside);
/// WITHIN_CHANNEL s = 1 + (α/n²)·Σ x² over the n×n zero-padded spatial window (k is ignored, as Caffe).
/// Gradient (both modes, window W, m = n or n²): dx = dy·s^(−β) − (2αβ/m)·x·Σ_{W} dy·y/s.
/// </summary>
[Layer("LRN", Summary = "Local response normalisation across channels or within a channel (Caffe semantics).")]
public sealed class LRNLayer : Layer
{
    private bool _across;
    private int _size;
    private int _half;
    private float _alpha;
    private float _beta;
    private float _k;
    private int _num;
    private int _channels;
    private int _plane;
    private int _height;
    private int _width;
    private float[] _scale = [];
    private float[] _work = [];
    private float[] _plane1 = [];
    private float[] _plane2 = [];
    private int _count;

    // Device path: per-element scale (kept for backward) and a scratch of squares / ratios.
    private Blob? _deviceScale;
    private Blob? _deviceWork;
    private OpenCLKernel? _square;
    private OpenCLKernel? _forward;
    private OpenCLKernel? _ratio;
    private OpenCLKernel? _backward;

    /// <summary>Creates the layer.</summary>
    public LRNLayer(LayerParameter param)
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
        LRNParameter p = Param.LrnParam ?? new LRNParameter();
        _size = (int)p.LocalSize;
        if (_size % 2 == 0)
        {
            throw Error($"local_size must be odd, got {_size}.");
        }
        _half = (_size - 1) / 2;
        _alpha = p.Alpha;
        _beta = p.Beta;
        _k = p.K;
        _across = p.NormRegion == LRNParameter.Types.NormRegion.AcrossChannels;
    }

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        Blob b = bottom[0];
        if (b.NumAxes != 4)
        {
            throw Error($"bottom '{b.Name}' must have 4 axes (num, channels, height, width), got shape {b.ShapeString}.");
        }
        _num = b.ShapeAt(0);
        _channels = b.ShapeAt(1);
        _height = b.ShapeAt(2);
        _width = b.ShapeAt(3);
        _plane = _height * _width;
        top[0].ReshapeLike(b);
        _count = b.Count;
        // Scratch grows on the first CPU pass (EnsureScratch), not here: shape-only builds (engine check) reshape nets far
        // larger than they will ever run and must not pay for this memory.
    }

    private void EnsureScratch()
    {
        if (_scale.Length < _count)
        {
            _scale = new float[_count];
        }
        int image = _channels * _plane;
        if (_work.Length < image)
        {
            _work = new float[image];
        }
        if (_plane1.Length < _plane)
        {
            _plane1 = new float[_plane];
            _plane2 = new float[_plane];
        }
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        EnsureScratch();
        ReadOnlySpan<float> x = bottom[0].Data;
        Span<float> y = top[0].MutableData;
        int image = _channels * _plane;
        for (int n = 0; n < _num; n++)
        {
            ReadOnlySpan<float> xn = x.Slice(n * image, image);
            Span<float> sn = _scale.AsSpan(n * image, image);
            Span<float> sq = _work.AsSpan(0, image);
            Ops.Sqr(xn, sq);
            if (_across)
            {
                WindowSumAcrossChannels(sq, sn);
                Ops.Scale(_alpha / _size, sn, sn);
                Ops.AddScalar(_k, sn);
            }
            else
            {
                for (int c = 0; c < _channels; c++)
                {
                    BoxSum(sq.Slice(c * _plane, _plane), sn.Slice(c * _plane, _plane));
                }
                Ops.Scale(_alpha / (_size * _size), sn, sn);
                Ops.AddScalar(1f, sn);
            }
            Span<float> yn = y.Slice(n * image, image);
            Ops.Powx(sn, -_beta, yn);
            Ops.Mul(yn, xn, yn);
        }
    }

    /// <inheritdoc />
    protected override void BackwardCpu(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!propagateDown[0])
        {
            return;
        }
        EnsureScratch();
        ReadOnlySpan<float> x = bottom[0].Data;
        ReadOnlySpan<float> y = top[0].Data;
        ReadOnlySpan<float> dy = top[0].Diff;
        Span<float> dx = bottom[0].MutableDiff;
        int image = _channels * _plane;
        float m = _across ? _size : _size * _size;
        float coefficient = -2f * _alpha * _beta / m;
        for (int n = 0; n < _num; n++)
        {
            ReadOnlySpan<float> xn = x.Slice(n * image, image);
            ReadOnlySpan<float> dyn = dy.Slice(n * image, image);
            ReadOnlySpan<float> sn = _scale.AsSpan(n * image, image);
            Span<float> dxn = dx.Slice(n * image, image);
            // ratio = dy·y/s, then its window sums; dxn holds s^(−β)·dy meanwhile.
            Span<float> ratio = _work.AsSpan(0, image);
            Ops.Mul(dyn, y.Slice(n * image, image), ratio);
            Ops.Div(ratio, sn, ratio);
            Ops.Powx(sn, -_beta, dxn);
            Ops.Mul(dxn, dyn, dxn);
            Span<float> acc = _plane1.AsSpan(0, _plane);
            for (int c = 0; c < _channels; c++)
            {
                if (_across)
                {
                    acc.Clear();
                    int lo = Math.Max(c - _half, 0), hi = Math.Min(c + _half, _channels - 1);
                    for (int cc = lo; cc <= hi; cc++)
                    {
                        Ops.Add(acc, ratio.Slice(cc * _plane, _plane), acc);
                    }
                }
                else
                {
                    BoxSum(ratio.Slice(c * _plane, _plane), acc);
                }
                Ops.Mul(acc, xn.Slice(c * _plane, _plane), acc);
                Ops.Axpy(coefficient, acc, dxn.Slice(c * _plane, _plane));
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
        PrepareDevice(cl, bottom[0]);
        int count = bottom[0].Count;
        IDeviceMemory x = bottom[0].DeviceData(), squares = _deviceWork!.MutableDeviceData();
        _square!.Arg(0, count).Arg(1, x).Arg(2, squares).Launch(count);
        float alphaOverM = _across ? _alpha / _size : _alpha / (_size * _size);
        _forward!.Arg(0, count).Arg(1, _across ? 1 : 0).Arg(2, _channels).Arg(3, _height).Arg(4, _width).Arg(5, _half)
            .Arg(6, alphaOverM).Arg(7, _across ? _k : 1f).Arg(8, -_beta)
            .Arg(9, x).Arg(10, squares).Arg(11, _deviceScale!.MutableDeviceData()).Arg(12, top[0].MutableDeviceData()).Launch(count);
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
        PrepareDevice(cl, bottom[0]);
        int count = bottom[0].Count;
        IDeviceMemory dy = top[0].DeviceDiff(), scale = _deviceScale!.DeviceData(), ratio = _deviceWork!.MutableDeviceData();
        _ratio!.Arg(0, count).Arg(1, dy).Arg(2, top[0].DeviceData()).Arg(3, scale).Arg(4, ratio).Launch(count);
        float m = _across ? _size : _size * _size;
        _backward!.Arg(0, count).Arg(1, _across ? 1 : 0).Arg(2, _channels).Arg(3, _height).Arg(4, _width).Arg(5, _half)
            .Arg(6, -2f * _alpha * _beta / m).Arg(7, -_beta)
            .Arg(8, bottom[0].DeviceData()).Arg(9, dy).Arg(10, scale).Arg(11, ratio).Arg(12, bottom[0].MutableDeviceDiff()).Launch(count);
    }

    private void PrepareDevice(OpenCLBackend cl, Blob bottom)
    {
        System.Reflection.Assembly assembly = typeof(LRNLayer).Assembly;
        _square ??= cl.Kernel(assembly, "LRNLayer.cl", "lrn_square");
        _forward ??= cl.Kernel(assembly, "LRNLayer.cl", "lrn_forward");
        _ratio ??= cl.Kernel(assembly, "LRNLayer.cl", "lrn_ratio");
        _backward ??= cl.Kernel(assembly, "LRNLayer.cl", "lrn_backward");
        _deviceScale ??= new Blob("lrn_scale", Backend);
        _deviceWork ??= new Blob("lrn_work", Backend);
        _deviceScale.ReshapeLike(bottom);
        _deviceWork.ReshapeLike(bottom);
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _deviceScale?.Dispose();
        _deviceWork?.Dispose();
        base.Dispose();
    }

    /// <summary>dst[c] = Σ of the planes c−half..c+half of src (zero outside the channels).</summary>
    private void WindowSumAcrossChannels(ReadOnlySpan<float> src, Span<float> dst)
    {
        for (int c = 0; c < _channels; c++)
        {
            Span<float> d = dst.Slice(c * _plane, _plane);
            d.Clear();
            int lo = Math.Max(c - _half, 0), hi = Math.Min(c + _half, _channels - 1);
            for (int cc = lo; cc <= hi; cc++)
            {
                Ops.Add(d, src.Slice(cc * _plane, _plane), d);
            }
        }
    }

    /// <summary>Zero-padded size×size box sums of one H×W plane, separably (rows, then columns).</summary>
    private void BoxSum(ReadOnlySpan<float> src, Span<float> dst)
    {
        Span<float> rows = _plane2.AsSpan(0, _plane);
        for (int h = 0; h < _height; h++)
        {
            ReadOnlySpan<float> s = src.Slice(h * _width, _width);
            Span<float> r = rows.Slice(h * _width, _width);
            for (int w = 0; w < _width; w++)
            {
                int lo = Math.Max(w - _half, 0), hi = Math.Min(w + _half, _width - 1);
                float sum = 0f;
                for (int i = lo; i <= hi; i++)
                {
                    sum += s[i];
                }
                r[w] = sum;
            }
        }
        for (int h = 0; h < _height; h++)
        {
            Span<float> d = dst.Slice(h * _width, _width);
            d.Clear();
            int lo = Math.Max(h - _half, 0), hi = Math.Min(h + _half, _height - 1);
            for (int i = lo; i <= hi; i++)
            {
                Ops.Add(d, rows.Slice(i * _width, _width), d);
            }
        }
    }

    /// <inheritdoc />
    public override long ForwardFlops(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
        => (long)bottom[0].Count * (_across ? _size + 4 : 2 * _size + 4);
}
