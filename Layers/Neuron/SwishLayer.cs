using Engine.Backends.OpenCL;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Swish: y = x·σ(βx) (β = <c>beta</c>, default 1, which is SiLU).
/// Gradient: dx = dy·(βy + σ(βx)·(1 − βy)).
/// </summary>
[Layer("Swish", Summary = "x·sigmoid(beta·x).")]
public sealed class SwishLayer : NeuronLayer
{
    private OpenCLKernel? _forwardKernel;
    private OpenCLKernel? _backwardKernel;
    private readonly SavedInput _input = new();
    private readonly float _beta;

    /// <summary>Creates the layer.</summary>
    public SwishLayer(LayerParameter param)
        : base(param) => _beta = param.SwishParam?.Beta ?? 1f;

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        _input.Save(bottom[0], top[0]);
        ReadOnlySpan<float> x = _input.Input(bottom[0], top[0]);
        Span<float> y = top[0].MutableData;
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = x[i] / (1f + MathF.Exp(-_beta * x[i]));
        }
    }

    /// <inheritdoc />
    protected override void BackwardCpu(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!propagateDown[0])
        {
            return;
        }
        ReadOnlySpan<float> x = _input.Input(bottom[0], top[0]);
        ReadOnlySpan<float> y = top[0].Data;
        ReadOnlySpan<float> dy = top[0].Diff;
        Span<float> dx = bottom[0].MutableDiff;
        for (int i = 0; i < x.Length; i++)
        {
            float s = 1f / (1f + MathF.Exp(-_beta * x[i]));
            float by = _beta * y[i];
            dx[i] = dy[i] * (by + s * (1f - by));
        }
    }

    /// <inheritdoc />
    protected override void ForwardDevice(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
        => ForwardDeviceMap(bottom, top, _input, "swish_forward", ref _forwardKernel, _beta);

    /// <inheritdoc />
    protected override void BackwardDevice(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
        => BackwardDeviceMap(top, propagateDown, bottom, _input, "swish_backward", ref _backwardKernel, _beta);

    /// <inheritdoc />
    public override void Dispose()
    {
        _input.Dispose();
        base.Dispose();
    }
}
