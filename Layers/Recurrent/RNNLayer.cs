using System.Numerics.Tensors;
using Engine.Backends.OpenCL;
using Engine.Fillers;
using Engine.Memory;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Simple recurrent network over time-major input, computed step by step (no unrolled net).
/// Blobs: W_xh (H × in), b_h (H), [W_xh_static (H × static_in)], W_hh (H × H), W_ho (H × H), b_o (H).
/// h_t = tanh(W_hh·(cont_t·h_{t−1}) + W_xh·x_t + b_h (+ W_xh_static·x_static)); o_t = tanh(W_ho·h_t + b_o); top = o.
/// With expose_hidden: bottom h_0 and top h_T, each (1, N, H).
/// </summary>
[Layer("RNN", Summary = "Simple tanh recurrent network with an output layer over (T, N, ...) input.")]
public sealed class RNNLayer : RecurrentLayerBase
{
    private float[] _h = [];
    private float[] _hPrev = [];
    private float[] _dPre = [];
    private float[] _dO = [];
    private float[] _dh = [];
    private float[] _static = [];

    // Device path: the same caches as device blobs.
    private Blob? _hD;
    private Blob? _hPrevD;
    private Blob? _dPreD;
    private Blob? _dOD;
    private Blob? _dhD;
    private Blob? _staticD;

    /// <summary>Creates the layer.</summary>
    public RNNLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    protected override int NumStates => 1;

    private int HhIndex => HasStatic ? 3 : 2;

    private protected override void CreateBlobs(RecurrentParameter p)
    {
        Blobs.Add(NewBlob([Hidden, InputDim], "W_xh", p.WeightFiller));
        Blobs.Add(NewBlob([Hidden], "b_h", p.BiasFiller));
        if (HasStatic)
        {
            Blobs.Add(NewBlob([Hidden, StaticDim], "W_xh_static", p.WeightFiller));
        }
        Blobs.Add(NewBlob([Hidden, Hidden], "W_hh", p.WeightFiller));
        Blobs.Add(NewBlob([Hidden, Hidden], "W_ho", p.WeightFiller));
        Blobs.Add(NewBlob([Hidden], "b_o", p.BiasFiller));
    }

    private Blob NewBlob(int[] shape, string what, FillerParameter? filler)
    {
        var blob = new Blob(shape, Name + "/" + what, Backend);
        Filler.Fill(blob, filler, Random);
        return blob;
    }

    private protected override void ReshapeBuffers()
    {
        int tnh = Steps * Streams * Hidden, nh = Streams * Hidden;
        Ensure(ref _h, tnh);
        Ensure(ref _hPrev, tnh);
        Ensure(ref _dPre, tnh);
        Ensure(ref _dO, tnh);
        Ensure(ref _dh, nh);
        Ensure(ref _static, nh);
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        int h = Hidden, n = Streams, tn = Steps * n, nh = n * h;
        ReadOnlySpan<float> cont = bottom[1].Data;
        Span<float> hs = _h.AsSpan(0, tn * h);
        Ops.Gemm(false, true, tn, h, InputDim, 1f, bottom[0].Data, Blobs[0].Data, 0f, hs);
        AddToRows(hs, tn, h, Blobs[1].Data);
        if (HasStatic)
        {
            Span<float> s = _static.AsSpan(0, nh);
            Ops.Gemm(false, true, n, h, StaticDim, 1f, bottom[2].Data, Blobs[2].Data, 0f, s);
            for (int t = 0; t < Steps; t++)
            {
                Span<float> step = hs.Slice(t * nh, nh);
                Ops.Add(step, s, step);
            }
        }
        ReadOnlySpan<float> whh = Blobs[HhIndex].Data;
        ReadOnlySpan<float> hPrev = InitialState(bottom, 0);
        for (int t = 0; t < Steps; t++)
        {
            ReadOnlySpan<float> contT = cont.Slice(t * n, n);
            Span<float> hp = _hPrev.AsSpan(t * nh, nh);
            for (int r = 0; r < n; r++)
            {
                Ops.Scale(contT[r], hPrev.Slice(r * h, h), hp.Slice(r * h, h));
            }
            Span<float> hT = hs.Slice(t * nh, nh);
            Ops.Gemm(false, true, n, h, h, 1f, hp, whh, 1f, hT);
            TensorPrimitives.Tanh(hT, hT);
            hPrev = hT;
        }
        Span<float> o = top[0].MutableData;
        Ops.Gemm(false, true, tn, h, h, 1f, hs, Blobs[HhIndex + 1].Data, 0f, o);
        AddToRows(o, tn, h, Blobs[HhIndex + 2].Data);
        TensorPrimitives.Tanh(o, o);
        StoreFinalState(top, 0, hPrev);
    }

    /// <inheritdoc />
    protected override void BackwardCpu(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        CheckPropagateDown(propagateDown);
        int h = Hidden, n = Streams, tn = Steps * n, nh = n * h;
        ReadOnlySpan<float> cont = bottom[1].Data;
        ReadOnlySpan<float> o = top[0].Data;
        ReadOnlySpan<float> hs = _h.AsSpan(0, tn * h);
        Span<float> dO = _dO.AsSpan(0, tn * h);
        // dO = dy ⊙ (1 − o²)
        ReadOnlySpan<float> dy = top[0].Diff;
        for (int i = 0; i < dO.Length; i++)
        {
            dO[i] = dy[i] * (1f - o[i] * o[i]);
        }
        int ho = HhIndex + 1, bo = HhIndex + 2;
        if (ParamPropagateDown[ho])
        {
            Ops.Gemm(true, false, h, h, tn, 1f, dO, hs, 1f, Blobs[ho].MutableDiff);
        }
        if (ParamPropagateDown[bo])
        {
            SumRows(dO, tn, h, Blobs[bo].MutableDiff);
        }
        Span<float> dPre = _dPre.AsSpan(0, tn * h);
        Ops.Gemm(false, false, tn, h, h, 1f, dO, Blobs[ho].Data, 0f, dPre);
        Span<float> dh = _dh.AsSpan(0, nh);
        if (ExposeHidden)
        {
            top[1].Diff.CopyTo(dh);
        }
        else
        {
            dh.Clear();
        }
        ReadOnlySpan<float> whh = Blobs[HhIndex].Data;
        for (int t = Steps - 1; t >= 0; t--)
        {
            Span<float> dPreT = dPre.Slice(t * nh, nh);
            ReadOnlySpan<float> hT = hs.Slice(t * nh, nh);
            for (int i = 0; i < nh; i++)
            {
                dPreT[i] = (dPreT[i] + dh[i]) * (1f - hT[i] * hT[i]);
            }
            Ops.Gemm(false, false, n, h, h, 1f, dPreT, whh, 0f, dh);
            ReadOnlySpan<float> contT = cont.Slice(t * n, n);
            for (int r = 0; r < n; r++)
            {
                Span<float> row = dh.Slice(r * h, h);
                Ops.Scale(contT[r], row, row);
            }
        }
        if (ExposeHidden && propagateDown[FirstStateBottom])
        {
            dh.CopyTo(bottom[FirstStateBottom].MutableDiff);
        }
        if (ParamPropagateDown[HhIndex])
        {
            Ops.Gemm(true, false, h, h, tn, 1f, dPre, _hPrev.AsSpan(0, tn * h), 1f, Blobs[HhIndex].MutableDiff);
        }
        if (ParamPropagateDown[0])
        {
            Ops.Gemm(true, false, h, InputDim, tn, 1f, dPre, bottom[0].Data, 1f, Blobs[0].MutableDiff);
        }
        if (ParamPropagateDown[1])
        {
            SumRows(dPre, tn, h, Blobs[1].MutableDiff);
        }
        if (HasStatic && (ParamPropagateDown[2] || propagateDown[2]))
        {
            Span<float> sum = _static.AsSpan(0, nh);
            sum.Clear();
            for (int t = 0; t < Steps; t++)
            {
                Ops.Add(sum, dPre.Slice(t * nh, nh), sum);
            }
            if (ParamPropagateDown[2])
            {
                Ops.Gemm(true, false, h, StaticDim, n, 1f, sum, bottom[2].Data, 1f, Blobs[2].MutableDiff);
            }
            if (propagateDown[2])
            {
                Ops.Gemm(false, false, n, StaticDim, h, 1f, sum, Blobs[2].Data, 0f, bottom[2].MutableDiff);
            }
        }
        if (propagateDown[0])
        {
            Ops.Gemm(false, false, tn, InputDim, h, 1f, dPre, Blobs[0].Data, 0f, bottom[0].MutableDiff);
        }
    }

    private OpenCLMath PrepareDevice(OpenCLBackend cl)
    {
        OpenCLMath math = PrepareDeviceBase(cl);
        if (_hD is null)
        {
            _hD = NewScratch("h");
            _hPrevD = NewScratch("h_prev");
            _dPreD = NewScratch("pre_diff");
            _dOD = NewScratch("o_diff");
            _dhD = NewScratch("h_diff");
            _staticD = NewScratch("static");
        }
        int tnh = Steps * Streams * Hidden, nh = Streams * Hidden;
        Size(_hD, tnh);
        Size(_hPrevD!, tnh);
        Size(_dPreD!, tnh);
        Size(_dOD!, tnh);
        Size(_dhD!, nh);
        Size(_staticD!, nh);
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
        int h = Hidden, n = Streams, tn = Steps * n, nh = n * h;
        IDeviceMemory cont = bottom[1].DeviceData();
        IDeviceMemory hs = _hD!.MutableDeviceData();
        DeviceInputPreActivations(math, bottom, h, _staticD, hs);
        IDeviceMemory whh = Blobs[HhIndex].DeviceData();
        IDeviceMemory hp = _hPrevD!.MutableDeviceData();
        (IDeviceMemory hPrev, int hOff) = (DeviceInitialState(bottom, 0), 0);
        for (int t = 0; t < Steps; t++)
        {
            DeviceScaleRows(cont, t * n, hPrev, hOff, hp, t * nh);
            math.Gemm(false, true, n, h, h, 1f, hp, t * nh, whh, 0, 1f, hs, t * nh);
            DeviceTanh(nh, hs, t * nh);
            (hPrev, hOff) = (hs, t * nh);
        }
        IDeviceMemory o = top[0].MutableDeviceData();
        math.Gemm(false, true, tn, h, h, 1f, hs, 0, Blobs[HhIndex + 1].DeviceData(), 0, 0f, o, 0);
        math.AddRowVector(tn, h, Blobs[HhIndex + 2].DeviceData(), 0, o, 0);
        DeviceTanh(tn * h, o, 0);
        DeviceStoreFinalState(math, top, 0, hPrev, hOff);
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
        int h = Hidden, n = Streams, tn = Steps * n, nh = n * h;
        IDeviceMemory cont = bottom[1].DeviceData();
        IDeviceMemory hs = _hD!.DeviceData();
        IDeviceMemory dO = _dOD!.MutableDeviceData();
        DeviceTanhGradient(tn * h, top[0].DeviceDiff(), 0, null, 0, top[0].DeviceData(), 0, dO, 0);
        int ho = HhIndex + 1, bo = HhIndex + 2;
        if (ParamPropagateDown[ho])
        {
            math.Gemm(true, false, h, h, tn, 1f, dO, 0, hs, 0, 1f, Blobs[ho].MutableDeviceDiff(), 0);
        }
        if (ParamPropagateDown[bo])
        {
            math.ColumnSum(tn, h, 1f, dO, 0, 1f, Blobs[bo].MutableDeviceDiff(), 0);
        }
        IDeviceMemory dPre = _dPreD!.MutableDeviceData();
        math.Gemm(false, false, tn, h, h, 1f, dO, 0, Blobs[ho].DeviceData(), 0, 0f, dPre, 0);
        IDeviceMemory dh = _dhD!.MutableDeviceData();
        if (ExposeHidden)
        {
            math.Copy(nh, top[1].DeviceDiff(), 0, dh, 0);
        }
        else
        {
            math.Set(nh, 0f, dh, 0);
        }
        IDeviceMemory whh = Blobs[HhIndex].DeviceData();
        for (int t = Steps - 1; t >= 0; t--)
        {
            DeviceTanhGradient(nh, dPre, t * nh, dh, 0, hs, t * nh, dPre, t * nh);
            math.Gemm(false, false, n, h, h, 1f, dPre, t * nh, whh, 0, 0f, dh, 0);
            DeviceScaleRows(cont, t * n, dh, 0, dh, 0);
        }
        if (ExposeHidden && propagateDown[FirstStateBottom])
        {
            math.Copy(nh, dh, 0, bottom[FirstStateBottom].MutableDeviceDiff(), 0);
        }
        if (ParamPropagateDown[HhIndex])
        {
            math.Gemm(true, false, h, h, tn, 1f, dPre, 0, _hPrevD!.DeviceData(), 0, 1f, Blobs[HhIndex].MutableDeviceDiff(), 0);
        }
        if (ParamPropagateDown[0])
        {
            math.Gemm(true, false, h, InputDim, tn, 1f, dPre, 0, bottom[0].DeviceData(), 0, 1f, Blobs[0].MutableDeviceDiff(), 0);
        }
        if (ParamPropagateDown[1])
        {
            math.ColumnSum(tn, h, 1f, dPre, 0, 1f, Blobs[1].MutableDeviceDiff(), 0);
        }
        DeviceStaticAndInputGradients(math, dPre, h, _staticD, propagateDown, bottom);
    }

    /// <inheritdoc />
    public override long ForwardFlops(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
        => 2L * Steps * Streams * Hidden * (InputDim + 2 * Hidden + StaticDim);
}
