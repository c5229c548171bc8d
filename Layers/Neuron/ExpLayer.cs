using Engine.Backends.OpenCL;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Exponential: y = base^(shift + scale·x), base −1 (default) meaning e; computed as base^shift·e^(ln(base)·scale·x).
/// Gradient: dx = dy·y·ln(base)·scale.
/// </summary>
[Layer("Exp", Summary = "base^(shift + scale·x); base -1 means e.")]
public sealed class ExpLayer : NeuronLayer
{
    private OpenCLKernel? _forwardKernel;
    private OpenCLKernel? _backwardKernel;
    private float _innerScale;
    private float _outerScale;

    /// <summary>Creates the layer.</summary>
    public ExpLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    public override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ExpParameter p = Param.ExpParam ?? new ExpParameter();
        if (p.Base != -1f && !(p.Base > 0f))
        {
            throw Error($"exp_param.base must be -1 (for e) or greater than 0, got {p.Base}.");
        }
        float logBase = p.Base == -1f ? 1f : MathF.Log(p.Base);
        _innerScale = logBase * p.Scale;
        _outerScale = p.Shift == 0f ? 1f : p.Base == -1f ? MathF.Exp(p.Shift) : MathF.Pow(p.Base, p.Shift);
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ReadOnlySpan<float> x = bottom[0].Data;
        Span<float> y = top[0].MutableData;
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = _outerScale * MathF.Exp(_innerScale * x[i]);
        }
    }

    /// <inheritdoc />
    protected override void BackwardCpu(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!propagateDown[0])
        {
            return;
        }
        // Needs only y, so in place is safe without a saved copy.
        ReadOnlySpan<float> y = top[0].Data;
        ReadOnlySpan<float> dy = top[0].Diff;
        Span<float> dx = bottom[0].MutableDiff;
        for (int i = 0; i < y.Length; i++)
        {
            dx[i] = dy[i] * y[i] * _innerScale;
        }
    }

    /// <inheritdoc />
    protected override void ForwardDevice(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
        => ForwardDeviceMap(bottom, top, null, "exp_forward", ref _forwardKernel, _innerScale, _outerScale);

    /// <inheritdoc />
    protected override void BackwardDevice(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
        => BackwardDeviceMap(top, propagateDown, bottom, null, "exp_backward", ref _backwardKernel, _innerScale, _outerScale);
}
