using Engine.Memory;
using Engine.Backends.OpenCL;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Inverted dropout. TRAIN: each element is kept with probability 1 − r (mask drawn from the net's generator) and
/// scaled by 1/(1 − r), so nothing changes at test time; TEST: identity. r = <c>dropout_ratio</c>, default 0.5.
/// </summary>
[Layer("Dropout", Summary = "Inverted dropout: train keeps 1-r of the units scaled by 1/(1-r); test is identity.")]
public sealed class DropoutLayer : NeuronLayer
{
    private readonly Blob _mask = new("mask");
    private Blob? _deviceMask;
    private float _ratio;
    private float _scale;

    /// <summary>Creates the layer.</summary>
    public DropoutLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    public override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        _ratio = Param.DropoutParam?.DropoutRatio ?? 0.5f;
        if (!(_ratio >= 0f && _ratio < 1f))
        {
            throw Error($"dropout_ratio must be in [0, 1), got {_ratio}.");
        }
        _scale = 1f / (1f - _ratio);
    }

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        base.Reshape(bottom, top);
        _mask.ReshapeLike(bottom[0]);
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ReadOnlySpan<float> x = bottom[0].Data;
        Span<float> y = top[0].MutableData;
        if (Phase != Phase.Train)
        {
            if (!ReferenceEquals(top[0], bottom[0]))
            {
                x.CopyTo(y);
            }
            return;
        }
        Span<float> mask = _mask.MutableData;
        for (int i = 0; i < mask.Length; i++)
        {
            // Kept with probability 1 − r; the scale is folded into the mask so backward is one multiply.
            mask[i] = Random.NextFloat() >= _ratio ? _scale : 0f;
        }
        Ops.Mul(x, mask, y);
    }

    /// <inheritdoc />
    protected override void BackwardCpu(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!propagateDown[0])
        {
            return;
        }
        ReadOnlySpan<float> dy = top[0].Diff;
        Span<float> dx = bottom[0].MutableDiff;
        if (Phase == Phase.Train)
        {
            Ops.Mul(dy, _mask.Data, dx);
        }
        else if (!ReferenceEquals(top[0], bottom[0]))
        {
            dy.CopyTo(dx);
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
        int n = bottom[0].Count;
        if (Phase != Phase.Train)
        {
            if (!ReferenceEquals(top[0], bottom[0]))
            {
                cl.DeviceMath.Copy(n, bottom[0].DeviceData(), 0, top[0].MutableDeviceData(), 0);
            }
            return;
        }
        // The mask is drawn on the host from the layer's EngineRandom, in the CPU path's order, and uploaded: the same
        // seed gives the same mask on both backends (exact parity, reproducible runs) for one upload of n floats.
        _deviceMask ??= new Blob("mask", cl);
        _deviceMask.ReshapeLike(bottom[0]);
        Span<float> mask = _deviceMask.MutableData;
        for (int i = 0; i < mask.Length; i++)
        {
            mask[i] = Random.NextFloat() >= _ratio ? _scale : 0f;
        }
        cl.DeviceMath.Mul(n, bottom[0].DeviceData(), 0, _deviceMask.DeviceData(), 0, top[0].MutableDeviceData(), 0);
    }

    /// <inheritdoc />
    protected override void BackwardDevice(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (Backend is not OpenCLBackend cl)
        {
            BackwardCpu(top, propagateDown, bottom);
            return;
        }
        if (!propagateDown[0])
        {
            return;
        }
        int n = bottom[0].Count;
        if (Phase == Phase.Train && _deviceMask is not null)
        {
            cl.DeviceMath.Mul(n, top[0].DeviceDiff(), 0, _deviceMask.DeviceData(), 0, bottom[0].MutableDeviceDiff(), 0);
        }
        else if (!ReferenceEquals(top[0], bottom[0]))
        {
            cl.DeviceMath.Copy(n, top[0].DeviceDiff(), 0, bottom[0].MutableDeviceDiff(), 0);
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _mask.Dispose();
        _deviceMask?.Dispose();
        base.Dispose();
    }
}
