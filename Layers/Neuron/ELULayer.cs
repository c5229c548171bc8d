using Engine.Backends.OpenCL;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Exponential linear unit: y = x for x &gt; 0, α(eˣ − 1) otherwise (α = <c>alpha</c>, default 1).
/// Gradient: dx = dy for x &gt; 0, dy·(y + α) otherwise.
/// </summary>
[Layer("ELU", Summary = "Exponential linear unit: x if x > 0 else alpha·(exp(x) − 1).")]
public sealed class ELULayer : NeuronLayer
{
    private OpenCLKernel? _forwardKernel;
    private OpenCLKernel? _backwardKernel;
    private readonly SavedInput _input = new();
    private readonly float _alpha;

    /// <summary>Creates the layer.</summary>
    public ELULayer(LayerParameter param)
        : base(param) => _alpha = param.EluParam?.Alpha ?? 1f;

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        _input.Save(bottom[0], top[0]);
        ReadOnlySpan<float> x = _input.Input(bottom[0], top[0]);
        Span<float> y = top[0].MutableData;
        for (int i = 0; i < x.Length; i++)
        {
            float v = x[i];
            y[i] = v > 0f ? v : _alpha * (MathF.Exp(v) - 1f);
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
            dx[i] = x[i] > 0f ? dy[i] : dy[i] * (y[i] + _alpha);
        }
    }

    /// <inheritdoc />
    protected override void ForwardDevice(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
        => ForwardDeviceMap(bottom, top, _input, "elu_forward", ref _forwardKernel, _alpha);

    /// <inheritdoc />
    protected override void BackwardDevice(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
        => BackwardDeviceMap(top, propagateDown, bottom, _input, "elu_backward", ref _backwardKernel, _alpha);

    /// <inheritdoc />
    public override void Dispose()
    {
        _input.Dispose();
        base.Dispose();
    }
}
