using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Engine.Backends.Cpu;
using Engine.Backends.OpenCL;
using Engine.Memory;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// 2-D MAX or AVE pooling of an (N, C, H, W) bottom, as Caffe. Output size ceil((in + 2p − k)/s) + 1 (or floor with
/// round_mode FLOOR), then, only when padded, one window less if the last would start beyond in + p.
/// MAX clips windows to the image, keeps the first maximum and can write its flat index h·W + w as top[1].
/// AVE divides by the window clipped to the padded extent (padding counts, ceil overhang does not).
/// STOCHASTIC exists only on GPU in Caffe and is rejected here.
/// </summary>
[Layer("Pooling", Summary = "2-D MAX/AVE pooling with pad, stride, global pooling and Caffe's ceil rounding.")]
public sealed class PoolingLayer : Layer, Engine.Embedding.IMaxPool2x2Values
{
    private PoolingParameter.Types.PoolMethod _method;
    private bool _global;
    private int _kernelH;
    private int _kernelW;
    private int _strideH;
    private int _strideW;
    private int _padH;
    private int _padW;
    private int _channels;
    private int _height;
    private int _width;
    private int _pooledH;
    private int _pooledW;
    private int _num;
    private int[] _argmax = [];
    private bool _argmaxStale;
    private bool _singleTop;
    private float[] _recomputed = [];
    private Blob? _deviceArgmax;
    private OpenCLKernel? _forwardKernel;
    private OpenCLKernel? _backwardKernel;

    /// <summary>Creates the layer.</summary>
    public PoolingLayer(LayerParameter param)
        : base(param)
    {
    }

    private PoolingParameter P => Param.PoolingParam ?? new PoolingParameter();

    /// <inheritdoc />
    public override int ExactNumBottomBlobs => 1;

    /// <inheritdoc />
    public override int MinTopBlobs => 1;

    /// <inheritdoc />
    public override int MaxTopBlobs => P.Pool == PoolingParameter.Types.PoolMethod.Max ? 2 : 1;

    /// <inheritdoc />
    public override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        PoolingParameter p = P;
        _method = p.Pool;
        if (_method == PoolingParameter.Types.PoolMethod.Stochastic)
        {
            throw Error("pool: STOCHASTIC is not supported on the CPU (Caffe implements it on the GPU only); use MAX or AVE.");
        }
        _global = p.GlobalPooling;
        bool hasHw = p.HasKernelH || p.HasKernelW;
        if (_global)
        {
            if (p.HasKernelSize || hasHw)
            {
                throw Error("with global_pooling: true the kernel size cannot be given (it is the bottom's H×W).");
            }
        }
        else
        {
            if (p.HasKernelSize == hasHw)
            {
                throw Error("give either kernel_size or both kernel_h and kernel_w.");
            }
            if (hasHw && !(p.HasKernelH && p.HasKernelW))
            {
                throw Error("kernel_h and kernel_w must both be given.");
            }
            (_kernelH, _kernelW) = p.HasKernelSize ? ((int)p.KernelSize, (int)p.KernelSize) : ((int)p.KernelH, (int)p.KernelW);
            if (_kernelH <= 0 || _kernelW <= 0)
            {
                throw Error($"kernel dimensions must be > 0, got {_kernelH}×{_kernelW}.");
            }
        }
        if (p.HasPad && (p.HasPadH || p.HasPadW))
        {
            throw Error("give either pad or pad_h/pad_w, not both.");
        }
        if ((p.HasPadH || p.HasPadW) && !(p.HasPadH && p.HasPadW))
        {
            throw Error("pad_h and pad_w must both be given.");
        }
        (_padH, _padW) = p.HasPadH || p.HasPadW ? ((int)p.PadH, (int)p.PadW) : ((int)p.Pad, (int)p.Pad);
        if (p.HasStride && (p.HasStrideH || p.HasStrideW))
        {
            throw Error("give either stride or stride_h/stride_w, not both.");
        }
        if ((p.HasStrideH || p.HasStrideW) && !(p.HasStrideH && p.HasStrideW))
        {
            throw Error("stride_h and stride_w must both be given.");
        }
        (_strideH, _strideW) = p.HasStrideH ? ((int)p.StrideH, (int)p.StrideW) : ((int)p.Stride, (int)p.Stride);
        if (_strideH <= 0 || _strideW <= 0)
        {
            throw Error($"stride must be > 0, got {_strideH}×{_strideW}.");
        }
        if (_global && (_padH != 0 || _padW != 0 || _strideH != 1 || _strideW != 1))
        {
            throw Error("with global_pooling: true only pad = 0 and stride = 1 are allowed.");
        }
        if (!_global && (_padH >= _kernelH || _padW >= _kernelW))
        {
            throw Error($"pad {_padH}×{_padW} must be smaller than the kernel {_kernelH}×{_kernelW}.");
        }
    }

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        _singleTop = top.Count == 1;
        Blob b = bottom[0];
        if (b.NumAxes != 4)
        {
            throw Error($"bottom '{b.Name}' must have 4 axes (num, channels, height, width), got shape {b.ShapeString}.");
        }
        _num = b.ShapeAt(0);
        _channels = b.ShapeAt(1);
        _height = b.ShapeAt(2);
        _width = b.ShapeAt(3);
        if (_global)
        {
            _kernelH = _height;
            _kernelW = _width;
        }
        bool floor = P.RoundMode == PoolingParameter.Types.RoundMode.Floor;
        _pooledH = PooledSize(_height, _kernelH, _padH, _strideH, floor);
        _pooledW = PooledSize(_width, _kernelW, _padW, _strideW, floor);
        if (_padH > 0 || _padW > 0)
        {
            // The last window must start inside the image plus the leading pad.
            if ((_pooledH - 1) * _strideH >= _height + _padH)
            {
                _pooledH--;
            }
            if ((_pooledW - 1) * _strideW >= _width + _padW)
            {
                _pooledW--;
            }
        }
        if (_pooledH <= 0 || _pooledW <= 0)
        {
            throw Error($"kernel {_kernelH}×{_kernelW} with pad {_padH}×{_padW} is larger than the padded input: bottom '{b.Name}' has shape {b.ShapeString}.");
        }
        Span<int> shape = stackalloc int[] { _num, _channels, _pooledH, _pooledW };
        top[0].Reshape(shape);
        if (top.Count > 1)
        {
            top[1].Reshape(shape);
        }
        // The argmax buffer grows on the first CPU pass (EnsureArgmax), not here: shape-only builds (engine check) reshape
        // nets far larger than they will ever run and must not pay for this memory.
    }

    private void EnsureArgmax(int count)
    {
        if (_method == PoolingParameter.Types.PoolMethod.Max && _argmax.Length < count)
        {
            _argmax = new int[count];
        }
    }

    private static int PooledSize(int size, int kernel, int pad, int stride, bool floor)
    {
        int span = size + 2 * pad - kernel;
        if (span < 0)
        {
            return 0;
        }
        return (floor ? span / stride : (span + stride - 1) / stride) + 1;
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ReadOnlySpan<float> x = bottom[0].Data;
        Span<float> y = top[0].MutableData;
        int planeIn = _height * _width;
        int planeOut = _pooledH * _pooledW;
        int planes = _num * _channels;
        _argmaxStale = false;
        if (_method == PoolingParameter.Types.PoolMethod.Max && IsPlain2x2 && Phase == Phase.Test && top.Count == 1)
        {
            // Inference rarely runs backward: leave the positions to BackwardCpu, which finds them again from the same bottom.
            MaxPool2x2Values(x, y, planes);
            _argmaxStale = true;
            return;
        }
        EnsureArgmax(top[0].Count);
        if (_method == PoolingParameter.Types.PoolMethod.Max && IsPlain2x2)
        {
            MaxPool2x2Parallel(x, y, planes);
        }
        else if (_method == PoolingParameter.Types.PoolMethod.Max)
        {
            for (int pl = 0; pl < planes; pl++)
            {
                ReadOnlySpan<float> src = x.Slice(pl * planeIn, planeIn);
                for (int ph = 0; ph < _pooledH; ph++)
                {
                    int hStart = ph * _strideH - _padH;
                    int hEnd = Math.Min(hStart + _kernelH, _height);
                    hStart = Math.Max(hStart, 0);
                    for (int pw = 0; pw < _pooledW; pw++)
                    {
                        int wStart = pw * _strideW - _padW;
                        int wEnd = Math.Min(wStart + _kernelW, _width);
                        wStart = Math.Max(wStart, 0);
                        float best = -float.MaxValue;
                        int bestIndex = -1;
                        for (int h = hStart; h < hEnd; h++)
                        {
                            for (int w = wStart; w < wEnd; w++)
                            {
                                int idx = h * _width + w;
                                if (src[idx] > best)
                                {
                                    best = src[idx];
                                    bestIndex = idx;
                                }
                            }
                        }
                        int o = pl * planeOut + ph * _pooledW + pw;
                        y[o] = best;
                        _argmax[o] = bestIndex;
                    }
                }
            }
        }
        if (_method == PoolingParameter.Types.PoolMethod.Max)
        {
            if (top.Count > 1)
            {
                Span<float> mask = top[1].MutableData;
                for (int o = 0; o < mask.Length; o++)
                {
                    mask[o] = _argmax[o];
                }
            }
            return;
        }
        for (int pl = 0; pl < planes; pl++)
        {
            ReadOnlySpan<float> src = x.Slice(pl * planeIn, planeIn);
            for (int ph = 0; ph < _pooledH; ph++)
            {
                (int hStart, int hEnd, int hSize) = AveWindow(ph, _strideH, _padH, _kernelH, _height);
                for (int pw = 0; pw < _pooledW; pw++)
                {
                    (int wStart, int wEnd, int wSize) = AveWindow(pw, _strideW, _padW, _kernelW, _width);
                    float sum = 0f;
                    for (int h = hStart; h < hEnd; h++)
                    {
                        for (int w = wStart; w < wEnd; w++)
                        {
                            sum += src[h * _width + w];
                        }
                    }
                    y[pl * planeOut + ph * _pooledW + pw] = sum / (hSize * wSize);
                }
            }
        }
    }

    bool Engine.Embedding.IMaxPool2x2Values.IsMaxPool2x2Values =>
        _method == PoolingParameter.Types.PoolMethod.Max && IsPlain2x2 && Phase == Phase.Test && _singleTop
        && 2 * _pooledH == _height && 2 * _pooledW == _width && Backend is not OpenCLBackend;

    /// <summary>Caffe's LeNet pooling: 2×2 windows, stride 2, no padding, every window inside the image.</summary>
    private bool IsPlain2x2 => _kernelH == 2 && _kernelW == 2 && _strideH == 2 && _strideW == 2 && _padH == 0 && _padW == 0
        && 2 * _pooledH <= _height && 2 * _pooledW <= _width;

    /// <summary>Planes are split into at most this many chunks; each plane is independent, so the split changes nothing in the result.</summary>
    private const int MaxPlaneChunks = 16;

    private unsafe void MaxPool2x2Parallel(ReadOnlySpan<float> x, Span<float> y, int planes)
    {
        int chunks = Math.Max(1, Math.Min(planes, MaxPlaneChunks));
        fixed (float* px = x, py = y)
        fixed (int* pa = _argmax)
        {
            var body = new MaxPoolBody { Layer = this, X = px, Y = py, ArgMax = pa, Planes = planes, Chunks = chunks };
            if (Ops is CpuMath cpu)
            {
                cpu.Pool.For(chunks, ref body);
            }
            else
            {
                for (int c = 0; c < chunks; c++)
                {
                    body.Invoke(c);
                }
            }
        }
    }

    /// <summary>
    /// Max over 2×2 windows of planes [<paramref name="from"/>, <paramref name="to"/>): the same scan order and strict comparison
    /// as the general loop (the first of equal maxima wins), without its per-window clipping.
    /// </summary>
    private unsafe void MaxPool2x2(float* x, float* y, int* argmax, int from, int to)
    {
        int width = _width, pooledH = _pooledH, pooledW = _pooledW;
        int planeIn = _height * width, planeOut = pooledH * pooledW;
        for (int pl = from; pl < to; pl++)
        {
            float* src = x + (long)pl * planeIn;
            float* dst = y + (long)pl * planeOut;
            int* arg = argmax + (long)pl * planeOut;
            for (int oh = 0; oh < pooledH; oh++)
            {
                int row = 2 * oh * width;
                float* r0 = src + row;
                float* r1 = r0 + width;
                int ow = Avx2.IsSupported ? MaxPool2x2Vector(r0, r1, row, width, dst + oh * pooledW, arg + oh * pooledW, pooledW) : 0;
                for (; ow < pooledW; ow++)
                {
                    int c = 2 * ow;
                    float best = -float.MaxValue;
                    int index = -1;
                    float v = r0[c];
                    if (v > best) { best = v; index = row + c; }
                    v = r0[c + 1];
                    if (v > best) { best = v; index = row + c + 1; }
                    v = r1[c];
                    if (v > best) { best = v; index = row + width + c; }
                    v = r1[c + 1];
                    if (v > best) { best = v; index = row + width + c + 1; }
                    dst[oh * pooledW + ow] = best;
                    arg[oh * pooledW + ow] = index;
                }
            }
        }
    }

    /// <summary>
    /// The vector part of one output row of <see cref="MaxPool2x2"/>: eight (then four) windows at a time, even and odd columns
    /// split by shuffles, then the same four strict comparisons in the same order as the scalar loop, so values and argmax
    /// indices are identical to it. Returns the first output column left for the scalar loop.
    /// </summary>
    private static unsafe int MaxPool2x2Vector(float* r0, float* r1, int row, int width, float* dst, int* arg, int pooledW)
    {
        int ow = 0;
        var lowest = Vector256.Create(-float.MaxValue);
        var none = Vector256.Create(-1);
        var steps = Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14);
        for (; ow + 8 <= pooledW; ow += 8)
        {
            int c = 2 * ow;
            var best = lowest;
            var index = none;
            var first = Vector256.Create(row + c) + steps;
            Pick(Even(r0 + c), first, ref best, ref index);
            Pick(Odd(r0 + c), first + Vector256<int>.One, ref best, ref index);
            Pick(Even(r1 + c), first + Vector256.Create(width), ref best, ref index);
            Pick(Odd(r1 + c), first + Vector256.Create(width + 1), ref best, ref index);
            best.Store(dst + ow);
            index.Store(arg + ow);
        }
        for (; ow + 4 <= pooledW; ow += 4)
        {
            int c = 2 * ow;
            var best = Vector128.Create(-float.MaxValue);
            var index = Vector128.Create(-1);
            var first = Vector128.Create(row + c) + Vector128.Create(0, 2, 4, 6);
            Pick(Sse.Shuffle(Vector128.Load(r0 + c), Vector128.Load(r0 + c + 4), 0x88), first, ref best, ref index);
            Pick(Sse.Shuffle(Vector128.Load(r0 + c), Vector128.Load(r0 + c + 4), 0xDD), first + Vector128<int>.One, ref best, ref index);
            Pick(Sse.Shuffle(Vector128.Load(r1 + c), Vector128.Load(r1 + c + 4), 0x88), first + Vector128.Create(width), ref best, ref index);
            Pick(Sse.Shuffle(Vector128.Load(r1 + c), Vector128.Load(r1 + c + 4), 0xDD), first + Vector128.Create(width + 1), ref best, ref index);
            best.Store(dst + ow);
            index.Store(arg + ow);
        }
        return ow;
    }

    /// <summary>
    /// <see cref="MaxPool2x2"/> without the positions, on the calling thread (inference handles run single-threaded): the
    /// same four strict comparisons in the same order, so the values are the same, signed zeros and NaNs included.
    /// </summary>
    private unsafe void MaxPool2x2Values(ReadOnlySpan<float> xs, Span<float> ys, int planes)
    {
        int width = _width, pooledH = _pooledH, pooledW = _pooledW;
        int planeIn = _height * width, planeOut = pooledH * pooledW;
        fixed (float* x = xs, y = ys)
        {
            for (int pl = 0; pl < planes; pl++)
            {
                float* src = x + (long)pl * planeIn;
                float* dst = y + (long)pl * planeOut;
                for (int oh = 0; oh < pooledH; oh++, dst += pooledW)
                {
                    float* r0 = src + 2 * oh * width;
                    float* r1 = r0 + width;
                    int ow = 0;
                    if (Avx2.IsSupported)
                    {
                        var lowest = Vector256.Create(-float.MaxValue);
                        for (; ow + 8 <= pooledW; ow += 8)
                        {
                            int c = 2 * ow;
                            Vector256<float> best = Larger(Even(r0 + c), lowest);
                            best = Larger(Odd(r0 + c), best);
                            best = Larger(Even(r1 + c), best);
                            Larger(Odd(r1 + c), best).Store(dst + ow);
                        }
                        for (; ow + 4 <= pooledW; ow += 4)
                        {
                            int c = 2 * ow;
                            Vector128<float> a = Vector128.Load(r0 + c), b = Vector128.Load(r0 + c + 4);
                            Vector128<float> d = Vector128.Load(r1 + c), e = Vector128.Load(r1 + c + 4);
                            Vector128<float> best = Larger(Sse.Shuffle(a, b, 0x88), Vector128.Create(-float.MaxValue));
                            best = Larger(Sse.Shuffle(a, b, 0xDD), best);
                            best = Larger(Sse.Shuffle(d, e, 0x88), best);
                            Larger(Sse.Shuffle(d, e, 0xDD), best).Store(dst + ow);
                        }
                    }
                    for (; ow < pooledW; ow++)
                    {
                        int c = 2 * ow;
                        float best = -float.MaxValue;
                        if (r0[c] > best) best = r0[c];
                        if (r0[c + 1] > best) best = r0[c + 1];
                        if (r1[c] > best) best = r1[c];
                        if (r1[c + 1] > best) best = r1[c + 1];
                        dst[ow] = best;
                    }
                }
            }
        }
    }

    /// <summary>v where v &gt; best, else best (a strict comparison: NaN and equal values keep best).</summary>
    private static Vector256<float> Larger(Vector256<float> v, Vector256<float> best) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(v, best), v, best);

    private static Vector128<float> Larger(Vector128<float> v, Vector128<float> best) =>
        Vector128.ConditionalSelect(Vector128.GreaterThan(v, best), v, best);

    /// <summary>Elements 0, 2, ..., 14 of the 16 floats at <paramref name="p"/>.</summary>
    private static unsafe Vector256<float> Even(float* p) =>
        Avx2.Permute4x64(Avx.Shuffle(Vector256.Load(p), Vector256.Load(p + 8), 0x88).AsDouble(), 0xD8).AsSingle();

    /// <summary>Elements 1, 3, ..., 15 of the 16 floats at <paramref name="p"/>.</summary>
    private static unsafe Vector256<float> Odd(float* p) =>
        Avx2.Permute4x64(Avx.Shuffle(Vector256.Load(p), Vector256.Load(p + 8), 0xDD).AsDouble(), 0xD8).AsSingle();

    private static void Pick(Vector256<float> v, Vector256<int> at, ref Vector256<float> best, ref Vector256<int> index)
    {
        Vector256<float> greater = Vector256.GreaterThan(v, best);
        best = Vector256.ConditionalSelect(greater, v, best);
        index = Vector256.ConditionalSelect(greater.AsInt32(), at, index);
    }

    private static void Pick(Vector128<float> v, Vector128<int> at, ref Vector128<float> best, ref Vector128<int> index)
    {
        Vector128<float> greater = Vector128.GreaterThan(v, best);
        best = Vector128.ConditionalSelect(greater, v, best);
        index = Vector128.ConditionalSelect(greater.AsInt32(), at, index);
    }

    private unsafe struct MaxPoolBody : IParallelBody
    {
        public PoolingLayer Layer;
        public float* X;
        public float* Y;
        public int* ArgMax;
        public int Planes;
        public int Chunks;

        public readonly void Invoke(int index) =>
            Layer.MaxPool2x2(X, Y, ArgMax, (int)((long)index * Planes / Chunks), (int)((long)(index + 1) * Planes / Chunks));
    }

    /// <summary>The window clipped to the image, and its size clipped to the padded extent only (Caffe's AVE divisor).</summary>
    private static (int Start, int End, int Size) AveWindow(int index, int stride, int pad, int kernel, int size)
    {
        int start = index * stride - pad;
        int end = Math.Min(start + kernel, size + pad);
        int divisor = end - start;
        return (Math.Max(start, 0), Math.Min(end, size), divisor);
    }

    /// <inheritdoc />
    protected override void BackwardCpu(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!propagateDown[0])
        {
            return;
        }
        EnsureArgmax(top[0].Count);
        if (_argmaxStale)
        {
            // The forward pass kept only the values; the positions come from the bottom, which a backward pass may assume
            // unchanged since forward (Caffe's convention), into scratch so that an in-place consumer's top stays as it is.
            if (_recomputed.Length < top[0].Count)
            {
                _recomputed = new float[top[0].Count];
            }
            MaxPool2x2Parallel(bottom[0].Data, _recomputed, _num * _channels);
            _argmaxStale = false;
        }
        ReadOnlySpan<float> dy = top[0].Diff;
        Span<float> dx = bottom[0].MutableDiff;
        dx.Clear();
        int planeIn = _height * _width;
        int planeOut = _pooledH * _pooledW;
        int planes = _num * _channels;
        if (_method == PoolingParameter.Types.PoolMethod.Max)
        {
            for (int pl = 0; pl < planes; pl++)
            {
                Span<float> dst = dx.Slice(pl * planeIn, planeIn);
                int baseOut = pl * planeOut;
                for (int o = 0; o < planeOut; o++)
                {
                    dst[_argmax[baseOut + o]] += dy[baseOut + o];
                }
            }
            return;
        }
        for (int pl = 0; pl < planes; pl++)
        {
            Span<float> dst = dx.Slice(pl * planeIn, planeIn);
            for (int ph = 0; ph < _pooledH; ph++)
            {
                (int hStart, int hEnd, int hSize) = AveWindow(ph, _strideH, _padH, _kernelH, _height);
                for (int pw = 0; pw < _pooledW; pw++)
                {
                    (int wStart, int wEnd, int wSize) = AveWindow(pw, _strideW, _padW, _kernelW, _width);
                    float g = dy[pl * planeOut + ph * _pooledW + pw] / (hSize * wSize);
                    for (int h = hStart; h < hEnd; h++)
                    {
                        for (int w = wStart; w < wEnd; w++)
                        {
                            dst[h * _width + w] += g;
                        }
                    }
                }
            }
        }
    }

    /// <inheritdoc />
    public override long ForwardFlops(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
        => (long)top[0].Count * _kernelH * _kernelW;

    /// <inheritdoc />
    protected override void ForwardDevice(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (Backend is not OpenCLBackend cl)
        {
            ForwardCpu(bottom, top);
            return;
        }
        bool max = _method == PoolingParameter.Types.PoolMethod.Max;
        _forwardKernel ??= cl.Kernel(typeof(PoolingLayer).Assembly, "PoolingLayer.cl", max ? "max_pool_forward" : "ave_pool_forward");
        int total = top[0].Count;
        IDeviceMemory x = bottom[0].DeviceData();
        SetWindow(_forwardKernel, total).Arg(11, x).Arg(12, top[0].MutableDeviceData());
        if (max)
        {
            _deviceArgmax ??= new Blob("argmax", Backend);
            _deviceArgmax.ReshapeLike(top[0]);
            IDeviceMemory arg = _deviceArgmax.MutableDeviceData();
            // Without a mask top the argmax buffer stands in for it; the kernel does not write it then.
            _forwardKernel.Arg(13, arg).Arg(14, top.Count > 1 ? 1 : 0).Arg(15, top.Count > 1 ? top[1].MutableDeviceData() : arg);
        }
        _forwardKernel.Launch(total);
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
        bool max = _method == PoolingParameter.Types.PoolMethod.Max;
        if (max && _deviceArgmax is null)
        {
            throw Error("backward ran before forward: the MAX positions are not known.");
        }
        _backwardKernel ??= cl.Kernel(typeof(PoolingLayer).Assembly, "PoolingLayer.cl", max ? "max_pool_backward" : "ave_pool_backward");
        int total = bottom[0].Count;
        SetWindow(_backwardKernel, total).Arg(11, top[0].DeviceDiff());
        if (max)
        {
            _backwardKernel.Arg(12, _deviceArgmax!.DeviceData()).Arg(13, bottom[0].MutableDeviceDiff());
        }
        else
        {
            _backwardKernel.Arg(12, bottom[0].MutableDeviceDiff());
        }
        _backwardKernel.Launch(total);
    }

    private OpenCLKernel SetWindow(OpenCLKernel kernel, int total) => kernel
        .Arg(0, total).Arg(1, _height).Arg(2, _width).Arg(3, _pooledH).Arg(4, _pooledW).Arg(5, _kernelH).Arg(6, _kernelW)
        .Arg(7, _strideH).Arg(8, _strideW).Arg(9, _padH).Arg(10, _padW);

    /// <inheritdoc />
    public override void Dispose()
    {
        _deviceArgmax?.Dispose();
        base.Dispose();
    }
}
