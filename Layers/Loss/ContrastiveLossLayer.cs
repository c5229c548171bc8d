using Engine.Memory;
using Engine.Backends.OpenCL;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Contrastive loss (Hadsell et al.) on feature pairs a, b (N, C, ...) and similarity labels y (N):
/// with d² = ‖a_n − b_n‖², similar pairs (y ≠ 0) add d², dissimilar ones max(margin − d, 0)² — or, with
/// <c>legacy_version</c>, max(margin − d², 0). L = Σ / (2N). The labels take no gradient.
/// Gradients (a; b gets the negation): similar (a − b)/N; dissimilar −(margin − d)/(d + 1e-4)·(a − b)/N when margin &gt; d
/// (legacy: −(a − b)/N when margin &gt; d²), else 0.
/// </summary>
[Layer("ContrastiveLoss", Summary = "Contrastive loss on pairs (a, b, similar) with margin; legacy_version for max(margin - d^2, 0).")]
public sealed class ContrastiveLossLayer : LossLayer
{
    // Caffe adds this to d before dividing so that coinciding dissimilar pairs do not divide by zero.
    private const float DistanceEpsilon = 1e-4f;

    private readonly Blob _difference = new("difference");
    private readonly Blob _distanceSq = new("distance squared");
    private float _margin;
    private bool _legacy;
    private readonly DeviceLossReduction _reduction = new();
    private Blob? _deviceDifference;
    private Blob? _deviceDistanceSq;
    private OpenCLKernel? _forwardKernel;
    private OpenCLKernel? _backwardKernel;

    /// <summary>Creates the layer.</summary>
    public ContrastiveLossLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    public override int ExactNumBottomBlobs => 3;

    /// <inheritdoc />
    public override bool AllowForceBackward(int bottomIndex) => bottomIndex != 2;

    /// <inheritdoc />
    public override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ContrastiveLossParameter p = Param.ContrastiveLossParam ?? new ContrastiveLossParameter();
        _margin = p.Margin;
        _legacy = p.LegacyVersion;
    }

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        base.Reshape(bottom, top);
        if (!bottom[0].ShapeEquals(bottom[1]))
        {
            throw Error($"the two feature bottoms must have the same shape: '{bottom[0].Name}' is {bottom[0].ShapeString}, '{bottom[1].Name}' is {bottom[1].ShapeString}.");
        }
        int num = bottom[0].ShapeAt(0);
        if (bottom[2].Count != num)
        {
            throw Error($"needs one similarity label per pair: features '{bottom[0].Name}' are {bottom[0].ShapeString}, labels '{bottom[2].Name}' are {bottom[2].ShapeString}.");
        }
        _difference.ReshapeLike(bottom[0]);
        _distanceSq.Reshape(num);
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        int num = bottom[0].ShapeAt(0);
        int dim = bottom[0].Count / Math.Max(num, 1);
        Span<float> d = _difference.MutableData;
        Ops.Sub(bottom[0].Data, bottom[1].Data, d);
        Span<float> distSq = _distanceSq.MutableData;
        ReadOnlySpan<float> y = bottom[2].Data;
        double loss = 0;
        for (int n = 0; n < num; n++)
        {
            ReadOnlySpan<float> dn = d.Slice(n * dim, dim);
            float sq = Ops.Dot(dn, dn);
            distSq[n] = sq;
            if ((int)y[n] != 0)
            {
                loss += sq;
            }
            else if (_legacy)
            {
                loss += MathF.Max(_margin - sq, 0f);
            }
            else
            {
                float gap = MathF.Max(_margin - MathF.Sqrt(sq), 0f);
                loss += gap * gap;
            }
        }
        top[0].MutableData[0] = (float)(loss / num / 2.0);
    }

    /// <inheritdoc />
    protected override void BackwardCpu(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (propagateDown[2])
        {
            throw Error($"cannot back-propagate to the similarity labels '{bottom[2].Name}'.");
        }
        int num = bottom[0].ShapeAt(0);
        int dim = bottom[0].Count / Math.Max(num, 1);
        ReadOnlySpan<float> d = _difference.Data;
        ReadOnlySpan<float> distSq = _distanceSq.Data;
        ReadOnlySpan<float> y = bottom[2].Data;
        for (int i = 0; i < 2; i++)
        {
            if (!propagateDown[i])
            {
                continue;
            }
            float alpha = (i == 0 ? 1f : -1f) * top[0].Diff[0] / num;
            Span<float> dx = bottom[i].MutableDiff;
            for (int n = 0; n < num; n++)
            {
                ReadOnlySpan<float> dn = d.Slice(n * dim, dim);
                Span<float> outN = dx.Slice(n * dim, dim);
                float beta;
                if ((int)y[n] != 0)
                {
                    beta = alpha;
                }
                else if (_legacy)
                {
                    beta = _margin - distSq[n] > 0f ? -alpha : 0f;
                }
                else
                {
                    float dist = MathF.Sqrt(distSq[n]);
                    float gap = _margin - dist;
                    beta = gap > 0f ? -alpha * gap / (dist + DistanceEpsilon) : 0f;
                }
                Ops.Scale(beta, dn, outN);
            }
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
        _forwardKernel ??= cl.Kernel(typeof(ContrastiveLossLayer).Assembly, "ContrastiveLossLayer.cl", "contrastive_forward");
        _deviceDifference ??= new Blob("difference", cl);
        _deviceDistanceSq ??= new Blob("distance squared", cl);
        _deviceDifference.ReshapeLike(_difference);
        _deviceDistanceSq.ReshapeLike(_distanceSq);
        int num = bottom[0].ShapeAt(0);
        int dim = bottom[0].Count / Math.Max(num, 1);
        IDeviceMemory items = _reduction.Items(cl, num);
        _forwardKernel.Arg(0, num).Arg(1, dim).Arg(2, _margin).Arg(3, _legacy ? 1 : 0).Arg(4, bottom[0].DeviceData()).Arg(5, bottom[1].DeviceData())
            .Arg(6, bottom[2].DeviceData()).Arg(7, _deviceDifference.MutableDeviceData()).Arg(8, _deviceDistanceSq.MutableDeviceData())
            .Arg(9, items).Launch(num);
        _reduction.Reduce(cl, false, 2f * num, top[0]);
    }

    /// <inheritdoc />
    protected override void BackwardDevice(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (Backend is not OpenCLBackend cl || _deviceDifference is null || _deviceDistanceSq is null)
        {
            BackwardCpu(top, propagateDown, bottom);
            return;
        }
        if (propagateDown[2])
        {
            throw Error($"cannot back-propagate to the similarity labels '{bottom[2].Name}'.");
        }
        _backwardKernel ??= cl.Kernel(typeof(ContrastiveLossLayer).Assembly, "ContrastiveLossLayer.cl", "contrastive_backward");
        int num = bottom[0].ShapeAt(0);
        int dim = bottom[0].Count / Math.Max(num, 1);
        float weight = top[0].Diff[0];
        for (int i = 0; i < 2; i++)
        {
            if (!propagateDown[i])
            {
                continue;
            }
            float alpha = (i == 0 ? 1f : -1f) * weight / num;
            _backwardKernel.Arg(0, num).Arg(1, dim).Arg(2, _margin).Arg(3, _legacy ? 1 : 0).Arg(4, alpha).Arg(5, bottom[2].DeviceData())
                .Arg(6, _deviceDifference.DeviceData()).Arg(7, _deviceDistanceSq.DeviceData()).Arg(8, bottom[i].MutableDeviceDiff())
                .Launch(bottom[i].Count);
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _difference.Dispose();
        _distanceSq.Dispose();
        _deviceDifference?.Dispose();
        _deviceDistanceSq?.Dispose();
        _reduction.Dispose();
        base.Dispose();
    }
}
