using Engine.Memory;
using Engine.Backends.OpenCL;
using Engine.Fillers;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Parametric ReLU: y = max(x, 0) + a_c·min(x, 0) with a learned slope a_c per channel c (axis 1), or one slope shared by
/// all channels (<c>channel_shared</c>; the blob then has shape [] as in Caffe). Default slope filler: constant 0.25.
/// Gradients: dx = dy·(x &gt; 0 ? 1 : a_c); da_c += Σ dy·x over x ≤ 0 in channel c. Safe in place.
/// </summary>
[Layer("PReLU", Summary = "Parametric ReLU max(x,0) + a·min(x,0) with a learned slope per channel (or one shared).")]
public sealed class PReLULayer : NeuronLayer
{
    private readonly SavedInput _input = new();
    private bool _shared;
    private int _channels;
    private int _dim;
    private OpenCLKernel? _forwardKernel;
    private OpenCLKernel? _backwardKernel;
    private OpenCLKernel? _slopeKernel;

    /// <summary>Creates the layer.</summary>
    public PReLULayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    public override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        RequireTwoAxes(bottom[0]);
        PReLUParameter p = Param.PreluParam ?? new PReLUParameter();
        _shared = p.ChannelShared;
        _channels = bottom[0].ShapeAt(1);
        if (Blobs.Count == 0)
        {
            Blob slope = _shared ? new Blob(ReadOnlySpan<int>.Empty, Name + "/slope", Backend) : new Blob([_channels], Name + "/slope", Backend);
            Filler.Fill(slope, p.Filler ?? Filler.Constant(0.25f), Random);
            Blobs.Add(slope);
        }
        int expected = _shared ? 1 : _channels;
        if (Blobs[0].Count != expected)
        {
            throw Error($"the slope blob has shape {Blobs[0].ShapeString} but bottom '{bottom[0].Name}' of shape {bottom[0].ShapeString} needs {expected} slope(s).");
        }
    }

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        RequireTwoAxes(bottom[0]);
        if (!_shared && bottom[0].ShapeAt(1) != _channels)
        {
            throw Error($"bottom '{bottom[0].Name}' of shape {bottom[0].ShapeString} has {bottom[0].ShapeAt(1)} channels, the slopes expect {_channels}.");
        }
        _dim = bottom[0].CountFrom(2);
        base.Reshape(bottom, top);
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        _input.Save(bottom[0], top[0]);
        ReadOnlySpan<float> x = _input.Input(bottom[0], top[0]);
        ReadOnlySpan<float> a = Blobs[0].Data;
        Span<float> y = top[0].MutableData;
        int channels = bottom[0].ShapeAt(1);
        for (int i = 0; i < x.Length; i++)
        {
            float slope = _shared ? a[0] : a[i / _dim % channels];
            float v = x[i];
            y[i] = v > 0f ? v : v * slope;
        }
    }

    /// <inheritdoc />
    protected override void BackwardCpu(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        ReadOnlySpan<float> x = _input.Input(bottom[0], top[0]);
        ReadOnlySpan<float> dy = top[0].Diff;
        ReadOnlySpan<float> a = Blobs[0].Data;
        int channels = bottom[0].ShapeAt(1);
        // The slope gradient reads dy before dx overwrites it (in place they are the same memory).
        if (ParamPropagateDown[0])
        {
            Span<float> da = Blobs[0].MutableDiff;
            for (int i = 0; i < x.Length; i++)
            {
                if (x[i] <= 0f)
                {
                    da[_shared ? 0 : i / _dim % channels] += dy[i] * x[i];
                }
            }
        }
        if (propagateDown[0])
        {
            Span<float> dx = bottom[0].MutableDiff;
            for (int i = 0; i < x.Length; i++)
            {
                dx[i] = x[i] > 0f ? dy[i] : dy[i] * (_shared ? a[0] : a[i / _dim % channels]);
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
        _forwardKernel ??= cl.Kernel(typeof(PReLULayer).Assembly, "PReLULayer.cl", "prelu_forward");
        int n = bottom[0].Count;
        (int channels, int dim) = SlopeLayout(n);
        IDeviceMemory x = _input.SaveDevice(cl, bottom[0], top[0]);
        _forwardKernel.Arg(0, n).Arg(1, channels).Arg(2, dim).Arg(3, Blobs[0].DeviceData()).Arg(4, x).Arg(5, top[0].MutableDeviceData()).Launch(n);
    }

    /// <inheritdoc />
    protected override void BackwardDevice(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (Backend is not OpenCLBackend cl)
        {
            BackwardCpu(top, propagateDown, bottom);
            return;
        }
        int n = bottom[0].Count;
        (int channels, int dim) = SlopeLayout(n);
        IDeviceMemory x = _input.InputDevice(bottom[0], top[0]);
        IDeviceMemory dy = top[0].DeviceDiff();
        if (ParamPropagateDown[0])
        {
            _slopeKernel ??= cl.Kernel(typeof(PReLULayer).Assembly, "PReLULayer.cl", "prelu_slope_diff");
            _slopeKernel.Arg(0, n).Arg(1, channels).Arg(2, dim).Arg(3, x).Arg(4, dy).Arg(5, Blobs[0].MutableDeviceDiff())
                .Launch((long)channels * 64, 64);
        }
        if (propagateDown[0])
        {
            _backwardKernel ??= cl.Kernel(typeof(PReLULayer).Assembly, "PReLULayer.cl", "prelu_backward");
            _backwardKernel.Arg(0, n).Arg(1, channels).Arg(2, dim).Arg(3, Blobs[0].DeviceData()).Arg(4, x).Arg(5, dy)
                .Arg(6, bottom[0].MutableDeviceDiff()).Launch(n);
        }
    }

    // A shared slope is one channel spanning the whole blob.
    private (int Channels, int Dim) SlopeLayout(int count) => _shared ? (1, Math.Max(count, 1)) : (_channels, _dim);

    /// <inheritdoc />
    public override void Dispose()
    {
        _input.Dispose();
        base.Dispose();
    }

    private void RequireTwoAxes(Blob bottom)
    {
        if (bottom.NumAxes < 2)
        {
            throw Error($"needs a bottom with at least 2 axes (N, C, ...), but '{bottom.Name}' has shape {bottom.ShapeString}.");
        }
    }
}
