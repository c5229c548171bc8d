using Engine.Backends.OpenCL;
using System.Numerics.Tensors;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>Logistic sigmoid y = 1/(1 + e^(−x)); gradient dx = dy·y·(1 − y).</summary>
[Layer("Sigmoid", Summary = "Logistic sigmoid 1/(1+exp(-x)).")]
public sealed class SigmoidLayer : NeuronLayer
{
    private OpenCLKernel? _forwardKernel;
    private OpenCLKernel? _backwardKernel;

    /// <summary>Creates the layer.</summary>
    public SigmoidLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
        => TensorPrimitives.Sigmoid(bottom[0].Data, top[0].MutableData);

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
            dx[i] = dy[i] * y[i] * (1f - y[i]);
        }
    }

    /// <inheritdoc />
    protected override void ForwardDevice(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
        => ForwardDeviceElementwise(bottom, top, "SigmoidLayer.cl", "sigmoid_forward", ref _forwardKernel);

    /// <inheritdoc />
    protected override void BackwardDevice(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
        => BackwardDeviceFromOutput(top, propagateDown, bottom, "SigmoidLayer.cl", "sigmoid_backward", ref _backwardKernel);
}
