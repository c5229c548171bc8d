using Engine.Backends.OpenCL;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Power: y = (shift + scale·x)^power (defaults power 1, scale 1, shift 0). When power·scale = 0 the output does not
/// depend on x: it is 1 for power 0 and shift^power for scale 0, and the gradient is 0.
/// Otherwise dx = dy·power·scale·(shift + scale·x)^(power − 1).
/// </summary>
[Layer("Power", Summary = "(shift + scale·x)^power.")]
public sealed class PowerLayer : NeuronLayer
{
    private readonly SavedInput _input = new();
    private readonly float _power;
    private readonly float _scale;
    private readonly float _shift;
    private OpenCLKernel? _forwardKernel;
    private OpenCLKernel? _backwardKernel;

    /// <summary>Creates the layer.</summary>
    public PowerLayer(LayerParameter param)
        : base(param)
    {
        PowerParameter p = param.PowerParam ?? new PowerParameter();
        _power = p.Power;
        _scale = p.Scale;
        _shift = p.Shift;
    }

    private bool IsConstant => _power * _scale == 0f;

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        Span<float> y = top[0].MutableData;
        if (IsConstant)
        {
            y.Fill(_power == 0f ? 1f : MathF.Pow(_shift, _power));
            return;
        }
        _input.Save(bottom[0], top[0]);
        ReadOnlySpan<float> x = _input.Input(bottom[0], top[0]);
        for (int i = 0; i < x.Length; i++)
        {
            float b = _shift + _scale * x[i];
            y[i] = _power == 1f ? b : _power == 2f ? b * b : MathF.Pow(b, _power);
        }
    }

    /// <inheritdoc />
    protected override void BackwardCpu(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!propagateDown[0])
        {
            return;
        }
        Span<float> dx = bottom[0].MutableDiff;
        if (IsConstant)
        {
            dx.Clear();
            return;
        }
        ReadOnlySpan<float> x = _input.Input(bottom[0], top[0]);
        ReadOnlySpan<float> dy = top[0].Diff;
        float factor = _power * _scale;
        for (int i = 0; i < x.Length; i++)
        {
            float b = _shift + _scale * x[i];
            float slope = _power == 1f ? 1f : _power == 2f ? b : MathF.Pow(b, _power - 1f);
            dx[i] = dy[i] * factor * slope;
        }
    }

    /// <inheritdoc />
    protected override void ForwardDevice(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (IsConstant && Backend is OpenCLBackend cl)
        {
            cl.DeviceMath.Set(top[0].Count, _power == 0f ? 1f : MathF.Pow(_shift, _power), top[0].MutableDeviceData(), 0);
            return;
        }
        ForwardDeviceMap(bottom, top, _input, "power_forward", ref _forwardKernel, _power, _scale, _shift);
    }

    /// <inheritdoc />
    protected override void BackwardDevice(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (IsConstant && Backend is OpenCLBackend cl)
        {
            if (propagateDown[0])
            {
                cl.DeviceMath.Set(bottom[0].Count, 0f, bottom[0].MutableDeviceDiff(), 0);
            }
            return;
        }
        BackwardDeviceMap(top, propagateDown, bottom, _input, "power_backward", ref _backwardKernel, _power, _scale, _shift);
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _input.Dispose();
        base.Dispose();
    }
}
