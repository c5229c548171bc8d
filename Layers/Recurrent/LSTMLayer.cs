using Engine.Backends.OpenCL;
using Engine.Fillers;
using Engine.Memory;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Long short-term memory over time-major input, computed step by step with cached activations (no unrolled net).
/// Blobs: W_xc (4H × in), b_c (4H), [W_xc_static (4H × static_in)], W_hc (4H × H); gate blocks i, f, o, g.
/// gates_t = W_xc·x_t + b_c (+ W_xc_static·x_static) + W_hc·(cont_t·h_{t−1}); i, f, o = σ, g = tanh;
/// c_t = cont_t·f·c_{t−1} + i·g; h_t = o·tanh(c_t). Top (T, N, H) holds h; with expose_hidden, extra tops h_T, c_T.
/// Backward runs through time; the input GEMMs and parameter gradients are done for all steps at once.
/// </summary>
[Layer("LSTM", Summary = "Long short-term memory over (T, N, ...) input with sequence-continuation indicators.")]
public sealed class LSTMLayer : RecurrentLayerBase
{
    private float[] _gates = [];
    private float[] _cells = [];
    private float[] _tanhC = [];
    private float[] _hPrev = [];
    private float[] _c0 = [];
    private float[] _static = [];
    private float[] _dGates = [];
    private float[] _dh = [];
    private float[] _dc = [];

    // Device path: the same caches as device blobs, and the cell kernels of LstmCell.cl.
    private Blob? _dGatesD;
    private Blob? _gatesD;
    private Blob? _cellsD;
    private Blob? _tanhCD;
    private Blob? _hPrevD;
    private Blob? _c0D;
    private Blob? _dhD;
    private Blob? _dcD;
    private Blob? _staticD;
    private OpenCLKernel? _cellForward;
    private OpenCLKernel? _cellBackward;

    /// <summary>Creates the layer.</summary>
    public LSTMLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    protected override int NumStates => 2;

    private int HcIndex => HasStatic ? 3 : 2;

    private protected override void CreateBlobs(RecurrentParameter p)
    {
        int g = 4 * Hidden;
        Blobs.Add(NewBlob([g, InputDim], "W_xc", p.WeightFiller));
        Blobs.Add(NewBlob([g], "b_c", p.BiasFiller));
        if (HasStatic)
        {
            Blobs.Add(NewBlob([g, StaticDim], "W_xc_static", p.WeightFiller));
        }
        Blobs.Add(NewBlob([g, Hidden], "W_hc", p.WeightFiller));
    }

    private Blob NewBlob(int[] shape, string what, FillerParameter? filler)
    {
        var blob = new Blob(shape, Name + "/" + what, Backend);
        Filler.Fill(blob, filler, Random);
        return blob;
    }

    private protected override void ReshapeBuffers()
    {
        int tn = Steps * Streams, nh = Streams * Hidden;
        Ensure(ref _gates, tn * 4 * Hidden);
        Ensure(ref _dGates, tn * 4 * Hidden);
        Ensure(ref _cells, tn * Hidden);
        Ensure(ref _tanhC, tn * Hidden);
        Ensure(ref _hPrev, tn * Hidden);
        Ensure(ref _c0, nh);
        Ensure(ref _dh, nh);
        Ensure(ref _dc, nh);
        Ensure(ref _static, Streams * 4 * Hidden);
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        int h = Hidden, g = 4 * h, n = Streams, tn = Steps * n, nh = n * h, ng = n * g;
        ReadOnlySpan<float> cont = bottom[1].Data;
        Span<float> gates = _gates.AsSpan(0, tn * g);
        Ops.Gemm(false, true, tn, g, InputDim, 1f, bottom[0].Data, Blobs[0].Data, 0f, gates);
        AddToRows(gates, tn, g, Blobs[1].Data);
        if (HasStatic)
        {
            Span<float> s = _static.AsSpan(0, ng);
            Ops.Gemm(false, true, n, g, StaticDim, 1f, bottom[2].Data, Blobs[2].Data, 0f, s);
            for (int t = 0; t < Steps; t++)
            {
                Span<float> step = gates.Slice(t * ng, ng);
                Ops.Add(step, s, step);
            }
        }
        InitialState(bottom, 1).CopyTo(_c0);
        ReadOnlySpan<float> whc = Blobs[HcIndex].Data;
        Span<float> y = top[0].MutableData;
        ReadOnlySpan<float> hPrev = InitialState(bottom, 0);
        ReadOnlySpan<float> cPrev = _c0.AsSpan(0, nh);
        for (int t = 0; t < Steps; t++)
        {
            ReadOnlySpan<float> contT = cont.Slice(t * n, n);
            Span<float> hp = _hPrev.AsSpan(t * nh, nh);
            for (int r = 0; r < n; r++)
            {
                Ops.Scale(contT[r], hPrev.Slice(r * h, h), hp.Slice(r * h, h));
            }
            Span<float> gatesT = gates.Slice(t * ng, ng);
            Ops.Gemm(false, true, n, g, h, 1f, hp, whc, 1f, gatesT);
            Span<float> cT = _cells.AsSpan(t * nh, nh);
            Span<float> hT = y.Slice(t * nh, nh);
            LstmCell.Forward(n, h, gatesT, contT, cPrev, cT, _tanhC.AsSpan(t * nh, nh), hT);
            hPrev = hT;
            cPrev = cT;
        }
        StoreFinalState(top, 0, hPrev);
        StoreFinalState(top, 1, cPrev);
    }

    /// <inheritdoc />
    protected override void BackwardCpu(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        CheckPropagateDown(propagateDown);
        int h = Hidden, g = 4 * h, n = Streams, tn = Steps * n, nh = n * h, ng = n * g;
        ReadOnlySpan<float> cont = bottom[1].Data;
        ReadOnlySpan<float> dy = top[0].Diff;
        ReadOnlySpan<float> whc = Blobs[HcIndex].Data;
        Span<float> dh = _dh.AsSpan(0, nh), dc = _dc.AsSpan(0, nh);
        if (ExposeHidden)
        {
            top[1].Diff.CopyTo(dh);
            top[2].Diff.CopyTo(dc);
        }
        else
        {
            dh.Clear();
            dc.Clear();
        }
        Span<float> dGates = _dGates.AsSpan(0, tn * g);
        for (int t = Steps - 1; t >= 0; t--)
        {
            ReadOnlySpan<float> contT = cont.Slice(t * n, n);
            Ops.Add(dh, dy.Slice(t * nh, nh), dh);
            ReadOnlySpan<float> cPrev = t > 0 ? _cells.AsSpan((t - 1) * nh, nh) : _c0.AsSpan(0, nh);
            Span<float> dGatesT = dGates.Slice(t * ng, ng);
            LstmCell.Backward(n, h, _gates.AsSpan(t * ng, ng), contT, cPrev, _tanhC.AsSpan(t * nh, nh), dh, dc, dGatesT, dc);
            // dh_{t−1} = cont_t · W_hcᵀ·dgates_t (h enters step t only through cont_t·h_{t−1}).
            Ops.Gemm(false, false, n, h, g, 1f, dGatesT, whc, 0f, dh);
            for (int r = 0; r < n; r++)
            {
                Span<float> row = dh.Slice(r * h, h);
                Ops.Scale(contT[r], row, row);
            }
        }
        if (ExposeHidden)
        {
            if (propagateDown[FirstStateBottom])
            {
                dh.CopyTo(bottom[FirstStateBottom].MutableDiff);
            }
            if (propagateDown[FirstStateBottom + 1])
            {
                dc.CopyTo(bottom[FirstStateBottom + 1].MutableDiff);
            }
        }
        if (ParamPropagateDown[0])
        {
            Ops.Gemm(true, false, g, InputDim, tn, 1f, dGates, bottom[0].Data, 1f, Blobs[0].MutableDiff);
        }
        if (ParamPropagateDown[1])
        {
            SumRows(dGates, tn, g, Blobs[1].MutableDiff);
        }
        if (ParamPropagateDown[HcIndex])
        {
            Ops.Gemm(true, false, g, h, tn, 1f, dGates, _hPrev.AsSpan(0, tn * h), 1f, Blobs[HcIndex].MutableDiff);
        }
        if (HasStatic && (ParamPropagateDown[2] || propagateDown[2]))
        {
            // The static input feeds every step with the same weights: its gradient sees Σ_t dgates_t.
            Span<float> sum = _static.AsSpan(0, ng);
            sum.Clear();
            for (int t = 0; t < Steps; t++)
            {
                Ops.Add(sum, dGates.Slice(t * ng, ng), sum);
            }
            if (ParamPropagateDown[2])
            {
                Ops.Gemm(true, false, g, StaticDim, n, 1f, sum, bottom[2].Data, 1f, Blobs[2].MutableDiff);
            }
            if (propagateDown[2])
            {
                Ops.Gemm(false, false, n, StaticDim, g, 1f, sum, Blobs[2].Data, 0f, bottom[2].MutableDiff);
            }
        }
        if (propagateDown[0])
        {
            Ops.Gemm(false, false, tn, InputDim, g, 1f, dGates, Blobs[0].Data, 0f, bottom[0].MutableDiff);
        }
    }

    private OpenCLMath PrepareDevice(OpenCLBackend cl)
    {
        OpenCLMath math = PrepareDeviceBase(cl);
        System.Reflection.Assembly assembly = typeof(LSTMLayer).Assembly;
        _cellForward ??= cl.Kernel(assembly, "LstmCell.cl", "lstm_cell_forward");
        _cellBackward ??= cl.Kernel(assembly, "LstmCell.cl", "lstm_cell_backward");
        if (_gatesD is null)
        {
            _gatesD = NewScratch("gates");
            _dGatesD = NewScratch("gates_diff");
            _cellsD = NewScratch("cells");
            _tanhCD = NewScratch("tanh_cells");
            _hPrevD = NewScratch("h_prev");
            _c0D = NewScratch("c0");
            _dhD = NewScratch("h_diff");
            _dcD = NewScratch("c_diff");
            _staticD = NewScratch("static");
        }
        int tn = Steps * Streams, nh = Streams * Hidden;
        Size(_gatesD, tn * 4 * Hidden);
        Size(_dGatesD!, tn * 4 * Hidden);
        Size(_cellsD!, tn * Hidden);
        Size(_tanhCD!, tn * Hidden);
        Size(_hPrevD!, tn * Hidden);
        Size(_c0D!, nh);
        Size(_dhD!, nh);
        Size(_dcD!, nh);
        Size(_staticD!, Streams * 4 * Hidden);
        return math;
    }

    /// <inheritdoc />
    protected override void ForwardDevice(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (Backend is not OpenCLBackend cl)
        {
            ForwardCpu(bottom, top);
            return;
        }
        OpenCLMath math = PrepareDevice(cl);
        int h = Hidden, g = 4 * h, n = Streams, nh = n * h, ng = n * g;
        IDeviceMemory cont = bottom[1].DeviceData();
        IDeviceMemory gates = _gatesD!.MutableDeviceData();
        DeviceInputPreActivations(math, bottom, g, _staticD, gates);
        IDeviceMemory c0 = _c0D!.MutableDeviceData();
        math.Copy(nh, DeviceInitialState(bottom, 1), 0, c0, 0);
        IDeviceMemory whc = Blobs[HcIndex].DeviceData();
        IDeviceMemory y = top[0].MutableDeviceData();
        IDeviceMemory hp = _hPrevD!.MutableDeviceData(), cells = _cellsD!.MutableDeviceData(), tanhC = _tanhCD!.MutableDeviceData();
        (IDeviceMemory hPrev, int hOff) = (DeviceInitialState(bottom, 0), 0);
        (IDeviceMemory cPrev, int cOff) = (c0, 0);
        for (int t = 0; t < Steps; t++)
        {
            DeviceScaleRows(cont, t * n, hPrev, hOff, hp, t * nh);
            math.Gemm(false, true, n, g, h, 1f, hp, t * nh, whc, 0, 1f, gates, t * ng);
            _cellForward!.Arg(0, n).Arg(1, h).Arg(2, gates).Arg(3, t * ng).Arg(4, gates).Arg(5, t * ng).Arg(6, cont).Arg(7, t * n)
                .Arg(8, cPrev).Arg(9, cOff).Arg(10, cells).Arg(11, t * nh).Arg(12, tanhC).Arg(13, t * nh).Arg(14, y).Arg(15, t * nh)
                .Launch(nh);
            (hPrev, hOff) = (y, t * nh);
            (cPrev, cOff) = (cells, t * nh);
        }
        DeviceStoreFinalState(math, top, 0, hPrev, hOff);
        DeviceStoreFinalState(math, top, 1, cPrev, cOff);
    }

    /// <inheritdoc />
    protected override void BackwardDevice(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (Backend is not OpenCLBackend cl)
        {
            BackwardCpu(top, propagateDown, bottom);
            return;
        }
        CheckPropagateDown(propagateDown);
        OpenCLMath math = PrepareDevice(cl);
        int h = Hidden, g = 4 * h, n = Streams, tn = Steps * n, nh = n * h, ng = n * g;
        IDeviceMemory cont = bottom[1].DeviceData();
        IDeviceMemory dy = top[0].DeviceDiff();
        IDeviceMemory whc = Blobs[HcIndex].DeviceData();
        IDeviceMemory dh = _dhD!.MutableDeviceData(), dc = _dcD!.MutableDeviceData();
        if (ExposeHidden)
        {
            math.Copy(nh, top[1].DeviceDiff(), 0, dh, 0);
            math.Copy(nh, top[2].DeviceDiff(), 0, dc, 0);
        }
        else
        {
            math.Set(nh, 0f, dh, 0);
            math.Set(nh, 0f, dc, 0);
        }
        IDeviceMemory dGates = _dGatesD!.MutableDeviceData(), acts = _gatesD!.DeviceData();
        IDeviceMemory cells = _cellsD!.DeviceData(), c0 = _c0D!.DeviceData(), tanhC = _tanhCD!.DeviceData();
        for (int t = Steps - 1; t >= 0; t--)
        {
            math.Add(nh, dh, 0, dy, t * nh, dh, 0);
            (IDeviceMemory cPrev, int cOff) = t > 0 ? (cells, (t - 1) * nh) : (c0, 0);
            _cellBackward!.Arg(0, n).Arg(1, h).Arg(2, acts).Arg(3, t * ng).Arg(4, cont).Arg(5, t * n).Arg(6, cPrev).Arg(7, cOff)
                .Arg(8, tanhC).Arg(9, t * nh).Arg(10, dh).Arg(11, 0).Arg(12, dc).Arg(13, 0).Arg(14, dGates).Arg(15, t * ng)
                .Arg(16, dc).Arg(17, 0).Launch(nh);
            // dh_{t−1} = cont_t · W_hcᵀ·dgates_t.
            math.Gemm(false, false, n, h, g, 1f, dGates, t * ng, whc, 0, 0f, dh, 0);
            DeviceScaleRows(cont, t * n, dh, 0, dh, 0);
        }
        if (ExposeHidden)
        {
            if (propagateDown[FirstStateBottom])
            {
                math.Copy(nh, dh, 0, bottom[FirstStateBottom].MutableDeviceDiff(), 0);
            }
            if (propagateDown[FirstStateBottom + 1])
            {
                math.Copy(nh, dc, 0, bottom[FirstStateBottom + 1].MutableDeviceDiff(), 0);
            }
        }
        if (ParamPropagateDown[0])
        {
            math.Gemm(true, false, g, InputDim, tn, 1f, dGates, 0, bottom[0].DeviceData(), 0, 1f, Blobs[0].MutableDeviceDiff(), 0);
        }
        if (ParamPropagateDown[1])
        {
            math.ColumnSum(tn, g, 1f, dGates, 0, 1f, Blobs[1].MutableDeviceDiff(), 0);
        }
        if (ParamPropagateDown[HcIndex])
        {
            math.Gemm(true, false, g, h, tn, 1f, dGates, 0, _hPrevD!.DeviceData(), 0, 1f, Blobs[HcIndex].MutableDeviceDiff(), 0);
        }
        DeviceStaticAndInputGradients(math, dGates, g, _staticD, propagateDown, bottom);
    }

    /// <inheritdoc />
    public override long ForwardFlops(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
        => 2L * Steps * Streams * 4 * Hidden * (InputDim + Hidden + StaticDim) + 10L * Steps * Streams * Hidden;
}
