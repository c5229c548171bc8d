using Engine.Backends.OpenCL;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Clip: y = min(max(x, min), max), both bounds required. Gradient: dx = dy where min ≤ x ≤ max, 0 outside.
/// </summary>
[Layer("Clip", Summary = "Clamps x to [min, max].")]
public sealed class ClipLayer : NeuronLayer
{
    private OpenCLKernel? _forwardKernel;
    private OpenCLKernel? _backwardKernel;
    private readonly SavedInput _input = new();
    private float _min;
    private float _max;

    /// <summary>Creates the layer.</summary>
    public ClipLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    public override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ClipParameter? p = Param.ClipParam;
        if (p is null || !p.HasMin || !p.HasMax)
        {
            throw Error("clip_param.min and clip_param.max are both required.");
        }
        _min = p.Min;
        _max = p.Max;
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        _input.Save(bottom[0], top[0]);
        ReadOnlySpan<float> x = _input.Input(bottom[0], top[0]);
        Span<float> y = top[0].MutableData;
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = MathF.Min(MathF.Max(x[i], _min), _max);
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
            dx[i] = x[i] >= _min && x[i] <= _max ? dy[i] : 0f;
        }
    }

    /// <inheritdoc />
    protected override void ForwardDevice(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
        => ForwardDeviceMap(bottom, top, _input, "clip_forward", ref _forwardKernel, _min, _max);

    /// <inheritdoc />
    protected override void BackwardDevice(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
        => BackwardDeviceMap(top, propagateDown, bottom, _input, "clip_backward", ref _backwardKernel, _min, _max);

    /// <inheritdoc />
    public override void Dispose()
    {
        _input.Dispose();
        base.Dispose();
    }
}
