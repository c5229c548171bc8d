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
        => ForwardDeviceElementwise(bottom, top, "TanHLayer.cl", "tanh_forward", ref _forwardKernel);

    /// <inheritdoc />
    protected override void BackwardDevice(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
        => BackwardDeviceFromOutput(top, propagateDown, bottom, "TanHLayer.cl", "tanh_backward", ref _backwardKernel);
}
