using Engine.Backends.OpenCL;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Mean-variance normalisation per (sample, channel) — or per sample with <c>across_channels</c>: y = x − μ, and with
/// <c>normalize_variance</c> (default) y = (x − μ)/(σ + eps), σ the biased standard deviation and eps (default 1e-9)
/// added after the square root, as Caffe does. Backward is the exact gradient of that forward.
/// </summary>
[Layer("MVN", Summary = "Mean (and variance) normalisation per channel or per sample.")]
public sealed class MVNLayer : Layer
{
    private readonly Blob _normalized = new("normalized");
    private bool _normalizeVariance;
    private float _eps;
    private int _rows;
    private int _dim;
    private float[] _std = [];
    private RowStatistics? _device;

    /// <summary>Creates the layer.</summary>
    public MVNLayer(LayerParameter param)
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
        MVNParameter p = Param.MvnParam ?? new MVNParameter();
        _normalizeVariance = p.NormalizeVariance;
        _eps = p.Eps;
        if (_eps < 0f)
        {
            throw Error($"eps must not be negative, got {_eps}.");
        }
    }

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        Blob x = bottom[0];
        bool across = Param.MvnParam?.AcrossChannels ?? false;
        int leading = across ? 1 : 2;
        if (x.NumAxes < leading)
        {
            throw Error($"bottom '{x.Name}' of shape {x.ShapeString} needs at least {leading} axes.");
        }
        _rows = x.CountRange(0, leading);
        _dim = _rows == 0 ? 0 : x.Count / _rows;
        top[0].ReshapeLike(x);
        _normalized.ReshapeLike(x);
        if (_std.Length < _rows)
        {
            _std = new float[_rows];
        }
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ReadOnlySpan<float> x = bottom[0].Data;
        Span<float> y = top[0].MutableData;
        Span<float> normalized = _normalized.MutableData;
        for (int r = 0; r < _rows; r++)
        {
            ReadOnlySpan<float> row = x.Slice(r * _dim, _dim);
            Span<float> dst = y.Slice(r * _dim, _dim);
            float mean = Ops.Sum(row) / _dim;
            if (!_normalizeVariance)
            {
                for (int i = 0; i < _dim; i++)
                {
                    dst[i] = row[i] - mean;
                }
                continue;
            }
            double sq = 0;
            for (int i = 0; i < row.Length; i++)
            {
                double d = row[i] - mean;
                sq += d * d;
            }
            float std = MathF.Sqrt((float)(sq / _dim));
            _std[r] = std;
            float inv = 1f / (std + _eps);
            for (int i = 0; i < _dim; i++)
            {
                dst[i] = (row[i] - mean) * inv;
            }
            dst.CopyTo(normalized.Slice(r * _dim, _dim));
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
        for (int r = 0; r < _rows; r++)
        {
            int start = r * _dim;
            ReadOnlySpan<float> g = dy.Slice(start, _dim);
            float meanDy = Ops.Sum(g) / _dim;
            if (!_normalizeVariance)
            {
                for (int i = start; i < start + _dim; i++)
                {
                    dx[i] = dy[i] - meanDy;
                }
                continue;
            }
            // With y = (x − μ)/(σ + eps): dx = (dy − mean(dy))/(σ + eps) − y·mean(dy·y)/σ (the last term vanishes at σ = 0).
            float std = _std[r];
            float meanDyY = Ops.Dot(g, yNorm.Slice(start, _dim)) / _dim;
            float inv = 1f / (std + _eps);
            float varianceTerm = std > 0f ? meanDyY / std : 0f;
            for (int i = start; i < start + _dim; i++)
            {
                dx[i] = (dy[i] - meanDy) * inv - yNorm[i] * varianceTerm;
            }
        }
    }

    private RowLayout Layout => new(_rows, _dim, _dim, _dim, 0);

    private RowNormalization Mode => _normalizeVariance ? RowNormalization.InverseStdPlusEps : RowNormalization.MeanOnly;

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
        _device.Moments(Layout, x, Mode, _eps);
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
            _device.Backward(Layout, Mode, top[0].DeviceDiff(), bottom[0].MutableDeviceDiff());
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
