using Engine.Backends.OpenCL;
using Engine.Memory;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// One LSTM step as a layer: bottoms c_prev (1, N, H), gate pre-activations (1, N, 4H) in order i, f, o, g, and
/// cont (1, N); tops c (1, N, H) and h (1, N, H). c = cont·σ(f)·c_prev + σ(i)·tanh(g), h = σ(o)·tanh(c).
/// No gradient to cont.
/// </summary>
[Layer("LSTMUnit", Summary = "A single LSTM step: (c_prev, gates, cont) → (c, h).")]
public sealed class LSTMUnitLayer : Layer
{
    private float[] _acts = [];
    private float[] _tanhC = [];
    private float[] _dGates = [];
    private float[] _dcPrev = [];
    private int _streams;
    private int _hidden;

    // Device path: activations and tanh(c) kept for backward, a sink for gradients nobody asked for, and the kernels.
    private Blob? _actsD;
    private Blob? _tanhCD;
    private Blob? _sinkD;
    private OpenCLKernel? _forward;
    private OpenCLKernel? _backward;

    /// <summary>Creates the layer.</summary>
    public LSTMUnitLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    public override int ExactNumBottomBlobs => 3;

    /// <inheritdoc />
    public override int ExactNumTopBlobs => 2;

    /// <inheritdoc />
    public override bool AllowForceBackward(int bottomIndex) => bottomIndex != 2;

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        Blob c = bottom[0], x = bottom[1], cont = bottom[2];
        if (c.NumAxes != 3 || c.ShapeAt(0) != 1)
        {
            throw Error($"c_prev '{c.Name}' must have shape (1, N, H), got {c.ShapeString}.");
        }
        _streams = c.ShapeAt(1);
        _hidden = c.ShapeAt(2);
        if (x.NumAxes != 3 || x.ShapeAt(0) != 1 || x.ShapeAt(1) != _streams || x.ShapeAt(2) != 4 * _hidden)
        {
            throw Error($"gates '{x.Name}' must have shape (1, {_streams}, {4 * _hidden}) to match c_prev '{c.Name}' of shape {c.ShapeString}, got {x.ShapeString}.");
        }
        if (cont.NumAxes != 2 || cont.ShapeAt(0) != 1 || cont.ShapeAt(1) != _streams)
        {
            throw Error($"cont '{cont.Name}' must have shape (1, {_streams}), got {cont.ShapeString}.");
        }
        top[0].ReshapeLike(c);
        top[1].ReshapeLike(c);
        if (_acts.Length < x.Count)
        {
            _acts = new float[x.Count];
            _dGates = new float[x.Count];
        }
        if (_tanhC.Length < c.Count)
        {
            _tanhC = new float[c.Count];
            _dcPrev = new float[c.Count];
        }
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        Span<float> acts = _acts.AsSpan(0, bottom[1].Count);
        bottom[1].Data.CopyTo(acts);
        LstmCell.Forward(_streams, _hidden, acts, bottom[2].Data, bottom[0].Data, top[0].MutableData, _tanhC, top[1].MutableData);
    }

    /// <inheritdoc />
    protected override void BackwardCpu(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (propagateDown[2])
        {
            throw Error("cannot back-propagate to the sequence continuation indicators (bottom 2).");
        }
        if (!propagateDown[0] && !propagateDown[1])
        {
            return;
        }
        int nh = _streams * _hidden;
        LstmCell.Backward(_streams, _hidden, _acts, bottom[2].Data, bottom[0].Data, _tanhC, top[1].Diff, top[0].Diff,
            _dGates, _dcPrev);
        if (propagateDown[0])
        {
            _dcPrev.AsSpan(0, nh).CopyTo(bottom[0].MutableDiff);
        }
        if (propagateDown[1])
        {
            _dGates.AsSpan(0, 4 * nh).CopyTo(bottom[1].MutableDiff);
        }
    }

    private void PrepareDevice(OpenCLBackend cl, Blob gates)
    {
        System.Reflection.Assembly assembly = typeof(LSTMUnitLayer).Assembly;
        _forward ??= cl.Kernel(assembly, "LstmCell.cl", "lstm_cell_forward");
        _backward ??= cl.Kernel(assembly, "LstmCell.cl", "lstm_cell_backward");
        _actsD ??= new Blob(Name + "/acts", Backend);
        _tanhCD ??= new Blob(Name + "/tanh_c", Backend);
        _sinkD ??= new Blob(Name + "/unused_diff", Backend);
        _actsD.ReshapeLike(gates);
        _sinkD.ReshapeLike(gates);
        Span<int> shape = stackalloc int[1];
        shape[0] = Math.Max(_streams * _hidden, 1);
        _tanhCD.Reshape(shape);
    }

    /// <inheritdoc />
    protected override void ForwardDevice(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (Backend is not OpenCLBackend cl)
        {
            ForwardCpu(bottom, top);
            return;
        }
        PrepareDevice(cl, bottom[1]);
        _forward!.Arg(0, _streams).Arg(1, _hidden).Arg(2, bottom[1].DeviceData()).Arg(3, 0).Arg(4, _actsD!.MutableDeviceData()).Arg(5, 0)
            .Arg(6, bottom[2].DeviceData()).Arg(7, 0).Arg(8, bottom[0].DeviceData()).Arg(9, 0).Arg(10, top[0].MutableDeviceData()).Arg(11, 0)
            .Arg(12, _tanhCD!.MutableDeviceData()).Arg(13, 0).Arg(14, top[1].MutableDeviceData()).Arg(15, 0)
            .Launch((long)_streams * _hidden);
    }

    /// <inheritdoc />
    protected override void BackwardDevice(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (Backend is not OpenCLBackend cl)
        {
            BackwardCpu(top, propagateDown, bottom);
            return;
        }
        if (propagateDown[2])
        {
            throw Error("cannot back-propagate to the sequence continuation indicators (bottom 2).");
        }
        if (!propagateDown[0] && !propagateDown[1])
        {
            return;
        }
        PrepareDevice(cl, bottom[1]);
        IDeviceMemory sink = _sinkD!.MutableDeviceData();
        IDeviceMemory dcPrev = propagateDown[0] ? bottom[0].MutableDeviceDiff() : sink;
        IDeviceMemory dGates = propagateDown[1] ? bottom[1].MutableDeviceDiff() : sink;
        _backward!.Arg(0, _streams).Arg(1, _hidden).Arg(2, _actsD!.DeviceData()).Arg(3, 0).Arg(4, bottom[2].DeviceData()).Arg(5, 0)
            .Arg(6, bottom[0].DeviceData()).Arg(7, 0).Arg(8, _tanhCD!.DeviceData()).Arg(9, 0).Arg(10, top[1].DeviceDiff()).Arg(11, 0)
            .Arg(12, top[0].DeviceDiff()).Arg(13, 0).Arg(14, dGates).Arg(15, 0).Arg(16, dcPrev).Arg(17, 0)
            .Launch((long)_streams * _hidden);
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _actsD?.Dispose();
        _tanhCD?.Dispose();
        _sinkD?.Dispose();
        base.Dispose();
    }
}
