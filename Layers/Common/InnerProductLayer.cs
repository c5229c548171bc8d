using Engine.Memory;
using Engine.Backends.Cpu;
using Engine.Backends.OpenCL;
using Engine.Fillers;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Fully connected layer. With M = product of bottom axes before <c>axis</c> and K = product from <c>axis</c> on:
/// y (M×N) = x (M×K) · Wᵀ + b, W of shape (N, K) — or y = x·W with W (K, N) when <c>transpose</c>.
/// Gradients: dW += dyᵀ·x, db += Σ_rows dy, dx = dy·W.
/// </summary>
[Layer("InnerProduct", Summary = "Fully connected layer y = x·Wᵀ + b over the axes from `axis` on.")]
public sealed class InnerProductLayer : Layer
{
    // Weights larger than this are not prepacked: the packed copy would double a memory footprint that is already large,
    // and at that size packing is a small part of the product anyway.
    private const long MaxPrepackedWeights = 16L << 20;

    // The weights packed in the SGEMM kernel's layout, and which memory at which version they were packed from: inference
    // multiplies the same weights batch after batch, so forward reuses them until a write (solver step, weight load,
    // MutableData) bumps the version or the weight blob's memory is replaced (ShareData). The packing comes from
    // PackedWeightCache, so layers sharing one weight memory (inference handles of one model) share one packed copy.
    private PrepackedB? _packedWeights;
    private SyncedMemory? _packedFrom;
    private long _packedVersion;

    // The weight memory and version the previous forward pass saw: packing waits until the weights stop changing.
    private SyncedMemory? _seenFrom;
    private long _seenVersion;

    // At most this many outputs, the forward pass runs transposed (see ForwardNarrow).
    private const int NarrowOutputs = 12;

    // yᵀ of the transposed forward pass; grows to the largest batch seen, so steady-state passes allocate nothing.
    private float[] _transposedOutput = [];

    private int _m;
    private int _k;
    private int _n;
    private bool _bias;
    private bool _transpose;

    /// <summary>Creates the layer.</summary>
    public InnerProductLayer(LayerParameter param)
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
        InnerProductParameter p = Param.InnerProductParam ?? new InnerProductParameter();
        if (p.NumOutput == 0)
        {
            throw Error("inner_product_param.num_output must be greater than 0.");
        }
        _n = (int)p.NumOutput;
        _bias = p.BiasTerm;
        _transpose = p.Transpose;
        int axis = CanonicalAxis(bottom[0], p.Axis);
        _k = bottom[0].CountFrom(axis);
        if (Blobs.Count > 0)
        {
            return;
        }
        Blob weight = _transpose ? new Blob([_k, _n], Name + "/weight", Backend) : new Blob([_n, _k], Name + "/weight", Backend);
        Filler.Fill(weight, p.WeightFiller, Random);
        Blobs.Add(weight);
        if (_bias)
        {
            var bias = new Blob([_n], Name + "/bias", Backend);
            Filler.Fill(bias, p.BiasFiller, Random);
            Blobs.Add(bias);
        }
    }

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        int axis = CanonicalAxis(bottom[0], Param.InnerProductParam?.Axis ?? 1);
        int k = bottom[0].CountFrom(axis);
        if (k != _k)
        {
            throw Error($"input size changed: bottom '{bottom[0].Name}' of shape {bottom[0].ShapeString} gives {k} inputs per row, the weights expect {_k}.");
        }
        _m = bottom[0].CountRange(0, axis);
        Span<int> shape = stackalloc int[axis + 1];
        bottom[0].Shape[..axis].CopyTo(shape);
        shape[axis] = _n;
        top[0].Reshape(shape);
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        Span<float> y = top[0].MutableData;
        if (Ops is CpuMath narrow && _n <= NarrowOutputs && _m >= 4 * _n)
        {
            ForwardNarrow(bottom[0].Data, y, narrow.Pool);
            return;
        }
        // One row takes the GEMV path, which reads the weights in place as fast as it could read a packed copy.
        if (Ops is CpuMath cpu && _m > 1 && (long)_n * _k <= MaxPrepackedWeights && PackWeights(cpu.Pool))
        {
            Sgemm.MultiplyPrepacked(false, _m, _n, _k, 1f, bottom[0].Data, _k, _packedWeights!, 0f, y, _n, cpu.Pool);
        }
        else
        {
            Ops.Gemm(false, !_transpose, _m, _n, _k, 1f, bottom[0].Data, Blobs[0].Data, 0f, y);
        }
        if (_bias)
        {
            ReadOnlySpan<float> b = Blobs[1].Data;
            for (int i = 0; i < _m; i++)
            {
                Span<float> row = y.Slice(i * _n, _n);
                Ops.Add(row, b, row);
            }
        }
    }

    /// <summary>
    /// y = x·Wᵀ + b computed as yᵀ = W·xᵀ: a few outputs (a classifier head) would fill a fraction of the kernel's columns,
    /// while the batch fills them. Every element is the same chain of multiply-adds either way.
    /// </summary>
    private void ForwardNarrow(ReadOnlySpan<float> x, Span<float> y, WorkerPool pool)
    {
        int count = _m * _n;
        if (_transposedOutput.Length < count)
        {
            _transposedOutput = new float[count];
        }
        Span<float> yt = _transposedOutput.AsSpan(0, count);
        Sgemm.Multiply(_transpose, true, _n, _m, _k, 1f, Blobs[0].Data, _transpose ? _n : _k, x, _k, 0f, yt, _m, pool);
        ReadOnlySpan<float> b = _bias ? Blobs[1].Data : default;
        for (int j = 0; j < _n; j++)
        {
            ReadOnlySpan<float> column = yt.Slice(j * _m, _m);
            float bj = _bias ? b[j] : 0f;
            for (int i = 0; i < _m; i++)
            {
                y[i * _n + j] = column[i] + bj;
            }
        }
    }

    /// <summary>
    /// Makes the packed weights current and says whether to use them. Weights that changed since the previous forward pass
    /// (training: the solver writes them every step) are not packed: packing a whole copy and reading it back costs more than
    /// the GEMM's own packing, which stays in cache. Weights seen unchanged twice in a row (or on the very first pass) are
    /// packed once and then reused.
    /// </summary>
    private bool PackWeights(WorkerPool pool)
    {
        Blob weight = Blobs[0];
        SyncedMemory memory = weight.DataMemory;
        ReadOnlySpan<float> w = weight.Data; // syncs a newer device copy first; reading does not change the version
        long version = memory.Version;
        if (_packedWeights is not null && ReferenceEquals(memory, _packedFrom) && version == _packedVersion
            && _packedWeights.MatchesCurrentPath && _packedWeights.K == _k && _packedWeights.N == _n)
        {
            return true;
        }
        // The very first pass packs at once, so the packed buffer is allocated during warm-up and not at some later pass.
        bool changed = !ReferenceEquals(memory, _seenFrom) || version != _seenVersion;
        bool firstPass = _seenFrom is null;
        _seenFrom = memory;
        _seenVersion = version;
        if (changed && !firstPass)
        {
            return false;
        }
        _packedWeights = PackedWeightCache.GetOrPack(memory, version, !_transpose, _k, _n, w, _transpose ? _n : _k, pool);
        _packedFrom = memory;
        _packedVersion = version;
        return true;
    }

    /// <summary>The packed weights the last forward pass used, if any (tests check that sharing nets share them).</summary>
    internal object? PackedWeightsForTests => _packedWeights;

    /// <inheritdoc />
    protected override void BackwardCpu(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        ReadOnlySpan<float> dy = top[0].Diff;
        if (ParamPropagateDown[0])
        {
            if (_transpose)
            {
                Ops.Gemm(true, false, _k, _n, _m, 1f, bottom[0].Data, dy, 1f, Blobs[0].MutableDiff);
            }
            else
            {
                Ops.Gemm(true, false, _n, _k, _m, 1f, dy, bottom[0].Data, 1f, Blobs[0].MutableDiff);
            }
        }
        if (_bias && ParamPropagateDown[1])
        {
            Span<float> db = Blobs[1].MutableDiff;
            for (int i = 0; i < _m; i++)
            {
                Ops.Add(db, dy.Slice(i * _n, _n), db);
            }
        }
        if (propagateDown[0])
        {
            Ops.Gemm(false, _transpose, _m, _k, _n, 1f, dy, Blobs[0].Data, 0f, bottom[0].MutableDiff);
        }
    }

    /// <inheritdoc />
    public override long ForwardFlops(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top) => 2L * _m * _n * _k + (_bias ? (long)_m * _n : 0);

    /// <inheritdoc />
    protected override void ForwardDevice(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (Backend is not OpenCLBackend cl)
        {
            ForwardCpu(bottom, top);
            return;
        }
        OpenCLMath math = cl.DeviceMath;
        IDeviceMemory x = bottom[0].DeviceData(), w = Blobs[0].DeviceData();
        IDeviceMemory y = top[0].MutableDeviceData();
        math.Gemm(false, !_transpose, _m, _n, _k, 1f, x, 0, w, 0, 0f, y, 0);
        if (_bias)
        {
            math.AddRowVector(_m, _n, Blobs[1].DeviceData(), 0, y, 0);
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
        OpenCLMath math = cl.DeviceMath;
        IDeviceMemory dy = top[0].DeviceDiff();
        if (ParamPropagateDown[0])
        {
            IDeviceMemory x = bottom[0].DeviceData(), dw = Blobs[0].MutableDeviceDiff();
            if (_transpose)
            {
                math.Gemm(true, false, _k, _n, _m, 1f, x, 0, dy, 0, 1f, dw, 0);
            }
            else
            {
                math.Gemm(true, false, _n, _k, _m, 1f, dy, 0, x, 0, 1f, dw, 0);
            }
        }
        if (_bias && ParamPropagateDown[1])
        {
            math.ColumnSum(_m, _n, 1f, dy, 0, 1f, Blobs[1].MutableDeviceDiff(), 0);
        }
        if (propagateDown[0])
        {
            IDeviceMemory w = Blobs[0].DeviceData();
            math.Gemm(false, _transpose, _m, _k, _n, 1f, dy, 0, w, 0, 0f, bottom[0].MutableDeviceDiff(), 0);
        }
    }
}
