using Engine.Memory;
using Engine.Backends.OpenCL;
using System.Numerics.Tensors;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>Hyperbolic tangent y = tanh(x); gradient dx = dy·(1 − y²).</summary>
[Layer("TanH", Summary = "Hyperbolic tangent.")]
public sealed class TanHLayer : NeuronLayer
{
    private OpenCLKernel? _forwardKernel;
    private OpenCLKernel? _backwardKernel;

    /// <summary>Creates the layer.</summary>
    public TanHLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
        => TensorPrimitives.Tanh(bottom[0].Data, top[0].MutableData);

    /// <inheritdoc />
    protected override void BackwardCpu(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!propagateDown[0])
        {
            return;
        }
        ReadOnlySpan<float> y = top[0].Data;
        ReadOnlySpan<float> dy = top[0].Diff;
        Span<float> dx = bottom[0].MutableDiff;
        for (int i = 0; i < y.Length; i++)
        {
            dx[i] = dy[i] * (1f - y[i] * y[i]);
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
        _forwardKernel ??= cl.Kernel(typeof(TanHLayer).Assembly, "TanHLayer.cl", "tanh_forward");
        int n = bottom[0].Count;
        IDeviceMemory x = bottom[0].DeviceData();
        _forwardKernel.Arg(0, n).Arg(1, x).Arg(2, top[0].MutableDeviceData()).Launch(n);
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
        _backwardKernel ??= cl.Kernel(typeof(TanHLayer).Assembly, "TanHLayer.cl", "tanh_backward");
        int n = bottom[0].Count;
        IDeviceMemory y = top[0].DeviceData(), dy = top[0].DeviceDiff();
        _backwardKernel.Arg(0, n).Arg(1, y).Arg(2, dy).Arg(3, bottom[0].MutableDeviceDiff()).Launch(n);
    }
}
