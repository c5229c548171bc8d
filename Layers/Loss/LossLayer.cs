using Engine.Backends.OpenCL;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Base of loss layers: two bottoms (prediction, target), one scalar top whose loss weight defaults to 1.
/// The net seeds the top's diff with the loss weight, so backward scales gradients by <c>top.Diff[0]</c>.
/// </summary>
public abstract class LossLayer : Layer
{
    /// <summary>Creates the layer.</summary>
    protected LossLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    public override bool IsLoss => true;

    /// <inheritdoc />
    public override int ExactNumBottomBlobs => 2;

    /// <inheritdoc />
    public override int ExactNumTopBlobs => 1;

    /// <inheritdoc />
    public override bool AutoTopBlobs => true;

    /// <inheritdoc />
    public override bool AllowForceBackward(int bottomIndex) => bottomIndex != 1;

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (bottom[0].ShapeAt(0) != bottom[1].ShapeAt(0))
        {
            throw Error($"bottoms must have the same first dimension: '{bottom[0].Name}' is {bottom[0].ShapeString}, '{bottom[1].Name}' is {bottom[1].ShapeString}.");
        }
        top[0].Reshape(ReadOnlySpan<int>.Empty);
    }

    /// <summary>
    /// Refuses a gradient into the labels (bottom 1) with a clear error and says whether the predictions (bottom 0)
    /// want one: the guard every label-based loss runs first in its backward pass.
    /// </summary>
    protected bool PropagatesToPredictions(ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (propagateDown[1])
        {
            throw Error($"cannot back-propagate to the labels '{bottom[1].Name}'.");
        }
        return propagateDown[0];
    }

    /// <summary>
    /// Backward of a loss of the difference a − b averaged over the first dimension N (Euclidean, L1): bottom 0's diff is
    /// w/N·g and bottom 1's is −w/N·g, where g is ∂L/∂a per element as forward saved it in <paramref name="gradient"/> and
    /// w the loss weight. On <paramref name="device"/> the diffs are written there, otherwise on the host.
    /// </summary>
    protected void BackwardDifferenceLoss(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom,
        Blob gradient, OpenCLBackend? device)
    {
        float weight = top[0].Diff[0];
        for (int i = 0; i < 2; i++)
        {
            if (!propagateDown[i])
            {
                continue;
            }
            float alpha = (i == 0 ? 1f : -1f) * weight / bottom[i].ShapeAt(0);
            if (device is null)
            {
                Ops.Scale(alpha, gradient.Data, bottom[i].MutableDiff);
            }
            else
            {
                device.DeviceMath.Scale(bottom[i].Count, alpha, gradient.DeviceData(), 0, bottom[i].MutableDeviceDiff(), 0);
            }
        }
    }

    /// <summary>Throws, naming both shapes, unless the two bottoms hold the same number of values (element-wise losses).</summary>
    protected void RequireEqualCounts(IReadOnlyList<Blob> bottom)
    {
        if (bottom[0].Count != bottom[1].Count)
        {
            throw Error($"bottoms must have the same count: '{bottom[0].Name}' is {bottom[0].ShapeString}, '{bottom[1].Name}' is {bottom[1].ShapeString}.");
        }
    }

    /// <summary>Divisor for a normalization mode (clamped to at least 1, as Caffe).</summary>
    protected static float Normalizer(LossParameter.Types.NormalizationMode mode, int outer, int inner, int validCount)
    {
        float n = mode switch
        {
            LossParameter.Types.NormalizationMode.Full => outer * inner,
            LossParameter.Types.NormalizationMode.Valid => validCount,
            LossParameter.Types.NormalizationMode.BatchSize => outer,
            _ => 1,
        };
        return Math.Max(1f, n);
    }

    /// <summary>The normalization mode of this layer: <c>normalization</c> if set, else legacy <c>normalize</c>, else <paramref name="fallback"/>.</summary>
    protected LossParameter.Types.NormalizationMode NormalizationMode(LossParameter.Types.NormalizationMode fallback)
    {
        LossParameter? p = Param.LossParam;
        if (p is null)
        {
            return fallback;
        }
        if (p.HasNormalization)
        {
            return p.Normalization;
        }
        if (p.HasNormalize)
        {
            return p.Normalize ? LossParameter.Types.NormalizationMode.Valid : LossParameter.Types.NormalizationMode.BatchSize;
        }
        return fallback;
    }
}
