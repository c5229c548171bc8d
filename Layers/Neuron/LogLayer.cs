using Engine.Backends.OpenCL;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Logarithm: y = log_base(shift + scale·x), base −1 (default) meaning the natural log.
/// Gradient: dx = dy·scale / ((shift + scale·x)·ln(base)).
/// </summary>
[Layer("Log", Summary = "log_base(shift + scale·x); base -1 means the natural log.")]
public sealed class LogLayer : NeuronLayer
{
    private OpenCLKernel? _forwardKernel;
    private OpenCLKernel? _backwardKernel;
    private readonly SavedInput _input = new();
    private float _baseScale;
    private float _scale;
    private float _shift;

    /// <summary>Creates the layer.</summary>
    public LogLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    public override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        LogParameter p = Param.LogParam ?? new LogParameter();
        if (p.Base != -1f && !(p.Base > 0f && p.Base != 1f))
        {
            throw Error($"log_param.base must be -1 (for e) or a positive number other than 1, got {p.Base}.");
        }
        _baseScale = p.Base == -1f ? 1f : 1f / MathF.Log(p.Base);
        _scale = p.Scale;
        _shift = p.Shift;
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        _input.Save(bottom[0], top[0]);
        ReadOnlySpan<float> x = _input.Input(bottom[0], top[0]);
        Span<float> y = top[0].MutableData;
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = MathF.Log(_shift + _scale * x[i]) * _baseScale;
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
        float factor = _scale * _baseScale;
        for (int i = 0; i < x.Length; i++)
        {
            dx[i] = dy[i] * factor / (_shift + _scale * x[i]);
        }
    }

    /// <inheritdoc />
    protected override void ForwardDevice(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
        => ForwardDeviceMap(bottom, top, _input, "log_forward", ref _forwardKernel, _baseScale, _scale, _shift);

    /// <inheritdoc />
    protected override void BackwardDevice(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
        => BackwardDeviceMap(top, propagateDown, bottom, _input, "log_backward", ref _backwardKernel, _baseScale, _scale, _shift);

    /// <inheritdoc />
    public override void Dispose()
    {
        _input.Dispose();
        base.Dispose();
    }
}
