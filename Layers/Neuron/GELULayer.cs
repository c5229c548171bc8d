using Engine.Backends.OpenCL;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Gaussian error linear unit (Engine extension). Exact (default): y = x·Φ(x) = x/2·(1 + erf(x/√2)),
/// dx = dy·(Φ(x) + x·φ(x)). With <c>gelu_param.approximate_tanh</c>: y = x/2·(1 + tanh(u)), u = √(2/π)·(x + 0.044715x³),
/// dx = dy·(½(1 + tanh u) + ½x(1 − tanh²u)·√(2/π)(1 + 3·0.044715x²)).
/// </summary>
[Layer("GELU", Summary = "Gaussian error linear unit x·Phi(x), exact (erf) or tanh approximation.")]
public sealed class GELULayer : NeuronLayer
{
    private OpenCLKernel? _forwardKernel;
    private OpenCLKernel? _backwardKernel;
    private const double SqrtTwoOverPi = 0.79788456080286536;
    private const double InvSqrtTwo = 0.70710678118654752;
    private const double InvSqrtTwoPi = 0.39894228040143268;
    private const double Cubic = 0.044715;

    private readonly SavedInput _input = new();
    private readonly bool _tanh;

    /// <summary>Creates the layer.</summary>
    public GELULayer(LayerParameter param)
        : base(param) => _tanh = param.GeluParam?.ApproximateTanh ?? false;

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        _input.Save(bottom[0], top[0]);
        ReadOnlySpan<float> x = _input.Input(bottom[0], top[0]);
        Span<float> y = top[0].MutableData;
        for (int i = 0; i < x.Length; i++)
        {
            double v = x[i];
            y[i] = (float)(_tanh
                ? 0.5 * v * (1.0 + Math.Tanh(SqrtTwoOverPi * (v + Cubic * v * v * v)))
                : 0.5 * v * (1.0 + ErrorFunction.Erf(v * InvSqrtTwo)));
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
            double v = x[i];
            double slope;
            if (_tanh)
            {
                double t = Math.Tanh(SqrtTwoOverPi * (v + Cubic * v * v * v));
                slope = 0.5 * (1.0 + t) + 0.5 * v * (1.0 - t * t) * SqrtTwoOverPi * (1.0 + 3.0 * Cubic * v * v);
            }
            else
            {
                slope = 0.5 * (1.0 + ErrorFunction.Erf(v * InvSqrtTwo)) + v * InvSqrtTwoPi * Math.Exp(-0.5 * v * v);
            }
            dx[i] = (float)(dy[i] * slope);
        }
    }

    /// <inheritdoc />
    protected override void ForwardDevice(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
        => ForwardDeviceMap(bottom, top, _input, "gelu_forward", ref _forwardKernel, _tanh ? 1f : 0f);

    /// <inheritdoc />
    protected override void BackwardDevice(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
        => BackwardDeviceMap(top, propagateDown, bottom, _input, "gelu_backward", ref _backwardKernel, _tanh ? 1f : 0f);

    /// <inheritdoc />
    public override void Dispose()
    {
        _input.Dispose();
        base.Dispose();
    }
}
