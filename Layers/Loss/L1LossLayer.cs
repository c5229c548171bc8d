using Engine.Memory;
using Engine.Backends.OpenCL;
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
    private readonly DeviceLossReduction _reduction = new();
    private Blob? _deviceSign;
    private OpenCLKernel? _forwardKernel;

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
        BackwardDifferenceLoss(top, propagateDown, bottom, _sign, null);
    }

    /// <inheritdoc />
    protected override void ForwardDevice(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (Backend is not OpenCLBackend cl)
        {
            ForwardCpu(bottom, top);
            return;
        }
        _forwardKernel ??= cl.Kernel(typeof(L1LossLayer).Assembly, "L1LossLayer.cl", "l1_forward");
        _deviceSign ??= new Blob("sign", cl);
        _deviceSign.ReshapeLike(bottom[0]);
        int n = bottom[0].Count;
        IDeviceMemory items = _reduction.Items(cl, n);
        _forwardKernel.Arg(0, n).Arg(1, bottom[0].DeviceData()).Arg(2, bottom[1].DeviceData()).Arg(3, items)
            .Arg(4, _deviceSign.MutableDeviceData()).Launch(n);
        _reduction.Reduce(cl, false, bottom[0].ShapeAt(0), top[0]);
    }

    /// <inheritdoc />
    protected override void BackwardDevice(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (Backend is not OpenCLBackend cl || _deviceSign is null)
        {
            BackwardCpu(top, propagateDown, bottom);
            return;
        }
        BackwardDifferenceLoss(top, propagateDown, bottom, _deviceSign, cl);
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _sign.Dispose();
        _deviceSign?.Dispose();
        _reduction.Dispose();
        base.Dispose();
    }
}
