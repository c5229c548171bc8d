using Engine.Backends.OpenCL;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Normalises every slice over the axes from <c>layer_norm_param.axis</c> (default −1, the last) to the end:
/// y = (x − μ)/√(σ² + eps) with the biased variance, eps default 1e-5. No learned gain or bias (pair with Scale).
/// An Engine extension of the Caffe catalogue.
/// </summary>
[Layer("LayerNorm", Summary = "Normalises over the trailing axes from `axis` (no affine part; pair with Scale).")]
public sealed class LayerNormLayer : Layer
{
    private readonly Blob _normalized = new("normalized");
    private float _eps;
    private int _outer;
    private int _inner;
    private float[] _invStd = [];
    private RowStatistics? _device;

    /// <summary>Creates the layer.</summary>
    public LayerNormLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    public override int ExactNumBottomBlobs => 1;

    /// <inheritdoc />
    public override int ExactNumTopBlobs => 1;

    /// <inheritdoc />
    public override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        _eps = Param.LayerNormParam?.Eps ?? 1e-5f;
        if (!(_eps > 0f))
        {
            throw Error($"eps must be positive, got {_eps}.");
        }
    }

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        Blob x = bottom[0];
        int axis = CanonicalAxis(x, Param.LayerNormParam?.Axis ?? -1);
        _outer = x.CountRange(0, axis);
        _inner = x.CountFrom(axis);
        top[0].ReshapeLike(x);
        _normalized.ReshapeLike(x);
        if (_invStd.Length < _outer)
        {
            _invStd = new float[_outer];
        }
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ReadOnlySpan<float> x = bottom[0].Data;
        Span<float> y = top[0].MutableData;
        Span<float> normalized = _normalized.MutableData;
        for (int o = 0; o < _outer; o++)
        {
            ReadOnlySpan<float> row = x.Slice(o * _inner, _inner);
            float mean = Ops.Sum(row) / _inner;
            double sq = 0;
            for (int i = 0; i < row.Length; i++)
            {
                double d = row[i] - mean;
                sq += d * d;
            }
            float invStd = 1f / MathF.Sqrt((float)(sq / _inner) + _eps);
            _invStd[o] = invStd;
            Span<float> dst = y.Slice(o * _inner, _inner);
            for (int i = 0; i < dst.Length; i++)
            {
                dst[i] = (row[i] - mean) * invStd;
            }
            dst.CopyTo(normalized.Slice(o * _inner, _inner));
        }
    }

    /// <inheritdoc />
    protected override void BackwardCpu(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!propagateDown[0])
        {
            return;
        }
        ReadOnlySpan<float> dy = top[0].Diff;
        ReadOnlySpan<float> yNorm = _normalized.Data;
        Span<float> dx = bottom[0].MutableDiff;
        for (int o = 0; o < _outer; o++)
        {
            int start = o * _inner;
            ReadOnlySpan<float> g = dy.Slice(start, _inner), yr = yNorm.Slice(start, _inner);
            // dx = (dy − mean(dy) − y·mean(dy·y)) / √(σ² + eps), the exact gradient of the normalisation.
            float meanDy = Ops.Sum(g) / _inner;
            float meanDyY = Ops.Dot(g, yr) / _inner;
            float invStd = _invStd[o];
            for (int i = start; i < start + _inner; i++)
            {
                dx[i] = (dy[i] - meanDy - yNorm[i] * meanDyY) * invStd;
            }
        }
    }

    private RowLayout Layout => new(_outer, _inner, _inner, _inner, 0);

    /// <inheritdoc />
    protected override void ForwardDevice(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (Backend is not OpenCLBackend cl)
        {
            ForwardCpu(bottom, top);
            return;
        }
        _device ??= new RowStatistics(cl);
        _device.Reshape(Layout);
        Engine.Memory.IDeviceMemory x = bottom[0].DeviceData();
        _device.Moments(Layout, x, RowNormalization.InverseSqrtVariance, _eps);
        _device.Normalize(Layout, x, top[0].MutableDeviceData());
    }

    /// <inheritdoc />
    protected override void BackwardDevice(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (Backend is not OpenCLBackend || _device is null)
        {
            BackwardCpu(top, propagateDown, bottom);
            return;
        }
        if (propagateDown[0])
        {
            _device.Backward(Layout, RowNormalization.InverseSqrtVariance, top[0].DeviceDiff(), bottom[0].MutableDeviceDiff());
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _device?.Dispose();
        _normalized.Dispose();
        base.Dispose();
    }
}
