using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// L1 loss L = Σ |a − b| / N, N = first dimension (EuclideanLoss's conventions, without the ½).
/// Subgradients: da = sign(a − b)/N, db = −sign(a − b)/N (times the loss weight), 0 where a = b.
/// </summary>
[Layer("L1Loss", Summary = "L1 loss sum(|a-b|)/N.")]
public sealed class L1LossLayer : LossLayer
{
    private readonly Blob _sign = new("sign");

    /// <summary>Creates the layer.</summary>
    public L1LossLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    public override bool AllowForceBackward(int bottomIndex) => true;

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        base.Reshape(bottom, top);
        RequireEqualCounts(bottom);
        _sign.ReshapeLike(bottom[0]);
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        Span<float> d = _sign.MutableData;
        Ops.Sub(bottom[0].Data, bottom[1].Data, d);
        top[0].MutableData[0] = Ops.Asum(d) / bottom[0].ShapeAt(0);
        Ops.Sign(d, d);
    }

    /// <inheritdoc />
    protected override void BackwardCpu(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        for (int i = 0; i < 2; i++)
        {
            if (propagateDown[i])
            {
                float alpha = (i == 0 ? 1f : -1f) * top[0].Diff[0] / bottom[i].ShapeAt(0);
                Ops.Scale(alpha, _sign.Data, bottom[i].MutableDiff);
            }
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _sign.Dispose();
        base.Dispose();
    }
}
