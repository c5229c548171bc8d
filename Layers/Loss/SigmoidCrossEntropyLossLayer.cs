using Engine.Memory;
using Engine.Backends.OpenCL;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Sigmoid cross-entropy on logits x against targets t in [0, 1], per element
/// ℓ = −[x(t − 1[x≥0]) − log(1 + e^(x − 2x·1[x≥0]))] (the overflow-free form of −t·log σ(x) − (1−t)·log(1−σ(x))).
/// Elements whose target, cast to int, equals <c>ignore_label</c> are skipped. L = Σ ℓ / normalizer with outer = shape[0],
/// inner = count / shape[0]; the default normalization is BATCH_SIZE. Gradient: (σ(x) − t)/normalizer, 0 where ignored.
/// </summary>
[Layer("SigmoidCrossEntropyLoss", Summary = "Sigmoid + binary cross-entropy on logits, stable, with ignore_label; normalized by batch size by default.")]
public sealed class SigmoidCrossEntropyLossLayer : LossLayer
{
    private int? _ignoreLabel;
    private LossParameter.Types.NormalizationMode _mode;
    private float _normalizer = 1f;
    private readonly DeviceLossReduction _reduction = new();
    private OpenCLKernel? _forwardKernel;
    private OpenCLKernel? _backwardKernel;

    /// <summary>Creates the layer.</summary>
    public SigmoidCrossEntropyLossLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    public override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        LossParameter? lp = Param.LossParam;
        _ignoreLabel = lp is not null && lp.HasIgnoreLabel ? lp.IgnoreLabel : null;
        _mode = NormalizationMode(LossParameter.Types.NormalizationMode.BatchSize);
    }

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        base.Reshape(bottom, top);
        if (bottom[0].Count != bottom[1].Count)
        {
            throw Error($"logits and targets must have the same count: '{bottom[0].Name}' is {bottom[0].ShapeString}, '{bottom[1].Name}' is {bottom[1].ShapeString}.");
        }
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ReadOnlySpan<float> x = bottom[0].Data;
        ReadOnlySpan<float> t = bottom[1].Data;
        double loss = 0;
        int valid = 0;
        for (int i = 0; i < x.Length; i++)
        {
            if (_ignoreLabel == (int)t[i])
            {
                continue;
            }
            float v = x[i];
            float positive = v >= 0f ? 1f : 0f;
            loss -= v * (t[i] - positive) - MathF.Log(1f + MathF.Exp(v - 2f * v * positive));
            valid++;
        }
        int outer = bottom[0].ShapeAt(0);
        _normalizer = Normalizer(_mode, outer, bottom[0].Count / Math.Max(outer, 1), valid);
        top[0].MutableData[0] = (float)(loss / _normalizer);
    }

    /// <inheritdoc />
    protected override void BackwardCpu(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (propagateDown[1])
        {
            throw Error($"cannot back-propagate to the targets '{bottom[1].Name}'.");
        }
        if (!propagateDown[0])
        {
            return;
        }
        ReadOnlySpan<float> x = bottom[0].Data;
        ReadOnlySpan<float> t = bottom[1].Data;
        Span<float> dx = bottom[0].MutableDiff;
        float scale = top[0].Diff[0] / _normalizer;
        for (int i = 0; i < x.Length; i++)
        {
            dx[i] = _ignoreLabel == (int)t[i] ? 0f : (1f / (1f + MathF.Exp(-x[i])) - t[i]) * scale;
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
        _forwardKernel ??= cl.Kernel(typeof(SigmoidCrossEntropyLossLayer).Assembly, "SigmoidCrossEntropyLossLayer.cl", "sigmoid_ce_forward");
        int n = bottom[0].Count;
        IDeviceMemory items = _reduction.Items(cl, n);
        _forwardKernel.Arg(0, n).Arg(1, _ignoreLabel.HasValue ? 1 : 0).Arg(2, _ignoreLabel ?? 0).Arg(3, bottom[0].DeviceData())
            .Arg(4, bottom[1].DeviceData()).Arg(5, items).Launch(n);
        int outer = bottom[0].ShapeAt(0);
        bool valid = _mode == LossParameter.Types.NormalizationMode.Valid;
        _reduction.Reduce(cl, valid, valid ? 1f : Normalizer(_mode, outer, n / Math.Max(outer, 1), 0), top[0]);
    }

    /// <inheritdoc />
    protected override void BackwardDevice(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (Backend is not OpenCLBackend cl)
        {
            BackwardCpu(top, propagateDown, bottom);
            return;
        }
        if (propagateDown[1])
        {
            throw Error($"cannot back-propagate to the targets '{bottom[1].Name}'.");
        }
        if (!propagateDown[0])
        {
            return;
        }
        _backwardKernel ??= cl.Kernel(typeof(SigmoidCrossEntropyLossLayer).Assembly, "SigmoidCrossEntropyLossLayer.cl", "sigmoid_ce_backward");
        int n = bottom[0].Count;
        _backwardKernel.Arg(0, n).Arg(1, _ignoreLabel.HasValue ? 1 : 0).Arg(2, _ignoreLabel ?? 0).Arg(3, bottom[0].DeviceData())
            .Arg(4, bottom[1].DeviceData()).Arg(5, _reduction.Scratch).Arg(6, top[0].Diff[0]).Arg(7, bottom[0].MutableDeviceDiff()).Launch(n);
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _reduction.Dispose();
        base.Dispose();
    }
}
