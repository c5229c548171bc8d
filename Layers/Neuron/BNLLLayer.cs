using Engine.Backends.OpenCL;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Binomial normal log likelihood (softplus) y = log(1 + eˣ), evaluated as x + log(1 + e^(−x)) for x &gt; 0 so that
/// large inputs do not overflow. Gradient: dx = dy·σ(x).
/// </summary>
[Layer("BNLL", Summary = "Softplus log(1 + exp(x)), numerically stable.")]
public sealed class BNLLLayer : NeuronLayer
{
    private OpenCLKernel? _forwardKernel;
    private OpenCLKernel? _backwardKernel;
    private readonly SavedInput _input = new();

    /// <summary>Creates the layer.</summary>
    public BNLLLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        _input.Save(bottom[0], top[0]);
        ReadOnlySpan<float> x = _input.Input(bottom[0], top[0]);
        Span<float> y = top[0].MutableData;
        for (int i = 0; i < x.Length; i++)
        {
            float v = x[i];
            y[i] = v > 0f ? v + MathF.Log(1f + MathF.Exp(-v)) : MathF.Log(1f + MathF.Exp(v));
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
        ReadOnlySpan<float> dy = top[0].Diff;
        Span<float> dx = bottom[0].MutableDiff;
        for (int i = 0; i < x.Length; i++)
        {
            dx[i] = dy[i] / (1f + MathF.Exp(-x[i]));
        }
    }

    /// <inheritdoc />
    protected override void ForwardDevice(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
        => ForwardDeviceMap(bottom, top, _input, "bnll_forward", ref _forwardKernel);

    /// <inheritdoc />
    protected override void BackwardDevice(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
        => BackwardDeviceMap(top, propagateDown, bottom, _input, "bnll_backward", ref _backwardKernel);

    /// <inheritdoc />
    public override void Dispose()
    {
        _input.Dispose();
        base.Dispose();
    }
}
