using Engine.Backends.OpenCL;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>Step function y = 1 if x &gt; threshold (strictly), else 0. Has no gradient: backward through it is an error.</summary>
[Layer("Threshold", Summary = "1 if x > threshold else 0 (no backward).")]
public sealed class ThresholdLayer : NeuronLayer
{
    private OpenCLKernel? _forwardKernel;
    private readonly float _threshold;

    /// <summary>Creates the layer.</summary>
    public ThresholdLayer(LayerParameter param)
        : base(param) => _threshold = param.ThresholdParam?.Threshold ?? 0f;

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ReadOnlySpan<float> x = bottom[0].Data;
        Span<float> y = top[0].MutableData;
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = x[i] > _threshold ? 1f : 0f;
        }
    }

    /// <inheritdoc />
    protected override void ForwardDevice(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
        => ForwardDeviceMap(bottom, top, null, "threshold_forward", ref _forwardKernel, _threshold);
}
