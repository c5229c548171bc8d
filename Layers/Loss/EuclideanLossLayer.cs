using Engine.Memory;
using Engine.Backends.OpenCL;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Euclidean (L2) loss L = Σ (a − b)² / (2N), N = first dimension. Gradients: da = (a − b)/N, db = −(a − b)/N (times the loss weight).
/// </summary>
[Layer("EuclideanLoss", Summary = "Euclidean (L2) loss sum((a-b)^2)/(2N).")]
public sealed class EuclideanLossLayer : LossLayer
{
    private readonly Blob _difference = new("difference");
    private Blob? _deviceDifference;

    /// <summary>Creates the layer.</summary>
    public EuclideanLossLayer(LayerParameter param)
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
        _difference.ReshapeLike(bottom[0]);
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        Span<float> d = _difference.MutableData;
        Ops.Sub(bottom[0].Data, bottom[1].Data, d);
        top[0].MutableData[0] = Ops.Dot(d, d) / bottom[0].ShapeAt(0) / 2f;
    }

    /// <inheritdoc />
    protected override void BackwardCpu(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        BackwardDifferenceLoss(top, propagateDown, bottom, _difference, null);
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _difference.Dispose();
        _deviceDifference?.Dispose();
        base.Dispose();
    }

    /// <inheritdoc />
    protected override void ForwardDevice(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (Backend is not OpenCLBackend cl)
        {
            ForwardCpu(bottom, top);
            return;
        }
        _deviceDifference ??= new Blob("difference", Backend);
        _deviceDifference.ReshapeLike(bottom[0]);
        int n = bottom[0].Count;
        IDeviceMemory a = bottom[0].DeviceData(), b = bottom[1].DeviceData(), d = _deviceDifference.MutableDeviceData();
        cl.DeviceMath.Sub(n, a, 0, b, 0, d, 0);
        // The loss stays on the device; the host reads this one float when it sums the loss.
        cl.DeviceMath.Dot(n, d, 0, d, 0, 0.5f / bottom[0].ShapeAt(0), top[0].MutableDeviceData(), 0);
    }

    /// <inheritdoc />
    protected override void BackwardDevice(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (Backend is not OpenCLBackend cl || _deviceDifference is null)
        {
            BackwardCpu(top, propagateDown, bottom);
            return;
        }
        BackwardDifferenceLoss(top, propagateDown, bottom, _deviceDifference, cl);
    }
}
