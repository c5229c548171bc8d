using Engine.Memory;
using Engine.Backends.OpenCL;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Multinomial logistic loss on probabilities p (N, C) flattened from axis 1 (already normalised, e.g. a Softmax output),
/// labels (N): L = −Σ_n log(max(p_n[label_n], 1e-20)) / N. Gradient: dp_n[label_n] = −1/(N·max(p, 1e-20)), 0 elsewhere.
/// </summary>
[Layer("MultinomialLogisticLoss", Summary = "Negative log-likelihood on probabilities, -sum(log(max(p[label],1e-20)))/N.")]
public sealed class MultinomialLogisticLossLayer : LossLayer
{
    // Keeps log finite for a zero probability, as Caffe's kLOG_THRESHOLD.
    private const float LogThreshold = 1e-20f;

    private int _num;
    private int _dim;
    private readonly DeviceLossReduction _reduction = new();
    private OpenCLKernel? _forwardKernel;
    private OpenCLKernel? _backwardKernel;

    /// <summary>Creates the layer.</summary>
    public MultinomialLogisticLossLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        base.Reshape(bottom, top);
        _num = bottom[0].ShapeAt(0);
        _dim = bottom[0].Count / Math.Max(_num, 1);
        if (bottom[1].Count != _num)
        {
            throw Error($"needs one label per example: probabilities '{bottom[0].Name}' are {bottom[0].ShapeString}, labels '{bottom[1].Name}' are {bottom[1].ShapeString}.");
        }
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ReadOnlySpan<float> p = bottom[0].Data;
        ReadOnlySpan<float> label = bottom[1].Data;
        double loss = 0;
        for (int n = 0; n < _num; n++)
        {
            int l = (int)label[n];
            if ((uint)l >= (uint)_dim)
            {
                throw Error($"label {l} of example {n} is outside [0, {_dim}).");
            }
            loss -= MathF.Log(MathF.Max(p[n * _dim + l], LogThreshold));
        }
        top[0].MutableData[0] = (float)(loss / _num);
    }

    /// <inheritdoc />
    protected override void BackwardCpu(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!PropagatesToPredictions(propagateDown, bottom))
        {
            return;
        }
        ReadOnlySpan<float> p = bottom[0].Data;
        ReadOnlySpan<float> label = bottom[1].Data;
        Span<float> dp = bottom[0].MutableDiff;
        dp.Clear();
        float scale = -top[0].Diff[0] / _num;
        for (int n = 0; n < _num; n++)
        {
            int i = n * _dim + (int)label[n];
            dp[i] = scale / MathF.Max(p[i], LogThreshold);
        }
    }

    /// <inheritdoc />
    protected override void ForwardDevice(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (Backend is not OpenCLBackend cl)
        {
            ForwardCpu(bottom, top);
            return;
        }
        _forwardKernel ??= cl.Kernel(typeof(MultinomialLogisticLossLayer).Assembly, "MultinomialLogisticLossLayer.cl", "multinomial_logistic_forward");
        IDeviceMemory items = _reduction.Items(cl, _num);
        _forwardKernel.Arg(0, _num).Arg(1, _dim).Arg(2, bottom[0].DeviceData()).Arg(3, bottom[1].DeviceData()).Arg(4, items).Launch(_num);
        _reduction.Reduce(cl, false, _num, top[0]);
    }

    /// <inheritdoc />
    protected override void BackwardDevice(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (Backend is not OpenCLBackend cl)
        {
            BackwardCpu(top, propagateDown, bottom);
            return;
        }
        if (!PropagatesToPredictions(propagateDown, bottom))
        {
            return;
        }
        _backwardKernel ??= cl.Kernel(typeof(MultinomialLogisticLossLayer).Assembly, "MultinomialLogisticLossLayer.cl", "multinomial_logistic_backward");
        _backwardKernel.Arg(0, _num).Arg(1, _dim).Arg(2, bottom[0].DeviceData()).Arg(3, bottom[1].DeviceData())
            .Arg(4, -top[0].Diff[0] / _num).Arg(5, bottom[0].MutableDeviceDiff()).Launch(bottom[0].Count);
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _reduction.Dispose();
        base.Dispose();
    }
}
