using Engine.Memory;
using Engine.Backends.OpenCL;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Rectified linear unit: y = max(x, 0) + ν·min(x, 0) (ν = <c>negative_slope</c>, 0 by default; ν &gt; 0 is leaky ReLU).
/// Gradient: dx = dy where x &gt; 0, ν·dy elsewhere.
/// </summary>
[Layer("ReLU", Summary = "Rectified linear unit max(x,0) + negative_slope·min(x,0) (leaky when slope > 0).")]
public sealed class ReLULayer : NeuronLayer
{
    private readonly float _slope;
    private OpenCLKernel? _forwardKernel;
    private OpenCLKernel? _backwardKernel;

    /// <summary>Creates the layer.</summary>
    public ReLULayer(LayerParameter param)
        : base(param) => _slope = param.ReluParam?.NegativeSlope ?? 0f;

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ReadOnlySpan<float> x = bottom[0].Data;
        Span<float> y = top[0].MutableData;
        if (_slope == 0f)
        {
            System.Numerics.Tensors.TensorPrimitives.Max(x, 0f, y);
            return;
        }
        for (int i = 0; i < x.Length; i++)
        {
            float v = x[i];
            y[i] = v > 0f ? v : v * _slope;
        }
    }

    /// <inheritdoc />
    protected override void BackwardCpu(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!propagateDown[0])
        {
            return;
        }
        // In place, x here is already y; its sign is unchanged, which is all the gradient needs.
        ReadOnlySpan<float> x = bottom[0].Data;
        ReadOnlySpan<float> dy = top[0].Diff;
        Span<float> dx = bottom[0].MutableDiff;
        for (int i = 0; i < x.Length; i++)
        {
            dx[i] = x[i] > 0f ? dy[i] : dy[i] * _slope;
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
        _forwardKernel ??= cl.Kernel(typeof(ReLULayer).Assembly, "ReLULayer.cl", "relu_forward");
        int n = bottom[0].Count;
        IDeviceMemory x = bottom[0].DeviceData();
        _forwardKernel.Arg(0, n).Arg(1, _slope).Arg(2, x).Arg(3, top[0].MutableDeviceData()).Launch(n);
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
        _backwardKernel ??= cl.Kernel(typeof(ReLULayer).Assembly, "ReLULayer.cl", "relu_backward");
        int n = bottom[0].Count;
        IDeviceMemory x = bottom[0].DeviceData(), dy = top[0].DeviceDiff();
        _backwardKernel.Arg(0, n).Arg(1, _slope).Arg(2, x).Arg(3, dy).Arg(4, bottom[0].MutableDeviceDiff()).Launch(n);
    }
}
