using Engine.Backends.OpenCL;
using Engine.Memory;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Normalises each channel (axis 1; the whole blob for 1-D input) to zero mean and unit variance over the batch and
/// spatial positions: y = (x − μ)/√(σ² + eps). No learned scale or shift (pair with <c>Scale { bias_term: true }</c>).
/// Training statistics use the biased batch variance and update Caffe's un-normalised running sums
/// S ← λS + 1, M ← λM + μ, V ← λV + m/(m−1)·σ² (blobs [M, V, S]); with <c>use_global_stats</c> (default in TEST)
/// μ = M/S and σ² = V/S are used instead. The three blobs are statistics, not parameters: missing ParamSpecs are added
/// with lr_mult 0 (and decay_mult 0), and a non-zero lr_mult is an error.
/// </summary>
[Layer("BatchNorm", Summary = "Per-channel batch normalisation with Caffe's running sums (no affine part).")]
public sealed class BatchNormLayer : Layer
{
    private readonly Blob _normalized = new("normalized");
    private bool _useGlobalStats;
    private float _fraction;
    private float _eps;
    private int _channels;
    private float[] _mean = [];
    private float[] _invStd = [];
    private RowStatistics? _device;
    private OpenCLKernel? _update;
    private OpenCLKernel? _global;

    /// <summary>Creates the layer.</summary>
    public BatchNormLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    public override int ExactNumBottomBlobs => 1;

    /// <inheritdoc />
    public override int ExactNumTopBlobs => 1;

    /// <summary>Whether the stored statistics are used instead of the batch's.</summary>
    public bool UseGlobalStats => _useGlobalStats;

    /// <inheritdoc />
    public override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        BatchNormParameter p = Param.BatchNormParam ?? new BatchNormParameter();
        _useGlobalStats = p.HasUseGlobalStats ? p.UseGlobalStats : Phase == Phase.Test;
        _fraction = p.MovingAverageFraction;
        _eps = p.Eps;
        if (!(_eps > 0f))
        {
            throw Error($"eps must be positive, got {_eps}.");
        }
        _channels = bottom[0].NumAxes == 1 ? 1 : bottom[0].ShapeAt(1);
        _mean = new float[_channels];
        _invStd = new float[_channels];
        if (Blobs.Count == 0)
        {
            Blobs.Add(new Blob([_channels], Name + "/mean", Backend));
            Blobs.Add(new Blob([_channels], Name + "/variance", Backend));
            Blobs.Add(new Blob([1], Name + "/scale_factor", Backend));
            foreach (Blob b in Blobs)
            {
                b.MutableData.Clear();
            }
        }
        // The net reads lr_mult from the definition after setup, so fixing the specs here keeps the solver off them.
        if (Param.Param.Count > Blobs.Count)
        {
            throw Error($"has {Param.Param.Count} param specs but only {Blobs.Count} statistic blobs.");
        }
        for (int i = 0; i < Param.Param.Count; i++)
        {
            if (Param.Param[i].LrMult != 0f)
            {
                throw Error($"param {i} has lr_mult {Param.Param[i].LrMult}; BatchNorm statistics cannot be learned (use lr_mult 0 or leave param out).");
            }
        }
        while (Param.Param.Count < Blobs.Count)
        {
            Param.Param.Add(new ParamSpec { LrMult = 0f, DecayMult = 0f });
        }
        ParamPropagateDown = new bool[Blobs.Count];
    }

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        Blob x = bottom[0];
        int channels = x.NumAxes == 1 ? 1 : x.NumAxes == 0 ? -1 : x.ShapeAt(1);
        if (channels != _channels)
        {
            throw Error($"bottom '{x.Name}' of shape {x.ShapeString} has {channels} channels on axis 1; the statistics were set up for {_channels}.");
        }
        top[0].ReshapeLike(x);
        _normalized.ReshapeLike(x);
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        Blob xb = bottom[0];
        int num = xb.NumAxes == 1 ? xb.Count : xb.ShapeAt(0);
        int spatial = xb.NumAxes <= 2 ? 1 : xb.CountFrom(2);
        int perChannel = num * spatial;
        ReadOnlySpan<float> x = xb.Data;
        Span<float> y = top[0].MutableData;
        if (_useGlobalStats)
        {
            float s = Blobs[2].Data[0];
            float factor = s == 0f ? 0f : 1f / s;
            ReadOnlySpan<float> m = Blobs[0].Data, v = Blobs[1].Data;
            for (int c = 0; c < _channels; c++)
            {
                _mean[c] = factor * m[c];
                _invStd[c] = 1f / MathF.Sqrt(factor * v[c] + _eps);
            }
        }
        else
        {
            Span<float> m = Blobs[0].MutableData, v = Blobs[1].MutableData;
            float correction = perChannel > 1 ? (float)perChannel / (perChannel - 1) : 1f;
            for (int c = 0; c < _channels; c++)
            {
                double sum = 0;
                for (int n = 0; n < num; n++)
                {
                    sum += Ops.Sum(x.Slice((n * _channels + c) * spatial, spatial));
                }
                float mean = (float)(sum / perChannel);
                double sq = 0;
                for (int n = 0; n < num; n++)
                {
                    ReadOnlySpan<float> row = x.Slice((n * _channels + c) * spatial, spatial);
                    for (int i = 0; i < row.Length; i++)
                    {
                        double d = row[i] - mean;
                        sq += d * d;
                    }
                }
                float variance = (float)(sq / perChannel);
                _mean[c] = mean;
                _invStd[c] = 1f / MathF.Sqrt(variance + _eps);
                m[c] = _fraction * m[c] + mean;
                v[c] = _fraction * v[c] + correction * variance;
            }
            Span<float> scale = Blobs[2].MutableData;
            scale[0] = _fraction * scale[0] + 1f;
        }
        Span<float> normalized = _normalized.MutableData;
        for (int n = 0; n < num; n++)
        {
            for (int c = 0; c < _channels; c++)
            {
                int start = (n * _channels + c) * spatial;
                Span<float> dst = y.Slice(start, spatial);
                ReadOnlySpan<float> src = x.Slice(start, spatial);
                float mean = _mean[c], invStd = _invStd[c];
                for (int i = 0; i < spatial; i++)
                {
                    dst[i] = (src[i] - mean) * invStd;
                }
                dst.CopyTo(normalized.Slice(start, spatial));
            }
        }
    }

    /// <inheritdoc />
    protected override void BackwardCpu(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!propagateDown[0])
        {
            return;
        }
        Blob xb = bottom[0];
        int num = xb.NumAxes == 1 ? xb.Count : xb.ShapeAt(0);
        int spatial = xb.NumAxes <= 2 ? 1 : xb.CountFrom(2);
        int perChannel = num * spatial;
        ReadOnlySpan<float> dy = top[0].Diff;
        ReadOnlySpan<float> yNorm = _normalized.Data;
        Span<float> dx = xb.MutableDiff;
        for (int c = 0; c < _channels; c++)
        {
            float invStd = _invStd[c];
            if (_useGlobalStats)
            {
                for (int n = 0; n < num; n++)
                {
                    int start = (n * _channels + c) * spatial;
                    Ops.Scale(invStd, dy.Slice(start, spatial), dx.Slice(start, spatial));
                }
                continue;
            }
            // dx = (dy − mean(dy) − y·mean(dy·y)) / √(σ² + eps), all means per channel.
            double sumDy = 0, sumDyY = 0;
            for (int n = 0; n < num; n++)
            {
                int start = (n * _channels + c) * spatial;
                sumDy += Ops.Sum(dy.Slice(start, spatial));
                sumDyY += Ops.Dot(dy.Slice(start, spatial), yNorm.Slice(start, spatial));
            }
            float meanDy = (float)(sumDy / perChannel), meanDyY = (float)(sumDyY / perChannel);
            for (int n = 0; n < num; n++)
            {
                int start = (n * _channels + c) * spatial;
                for (int i = start; i < start + spatial; i++)
                {
                    dx[i] = (dy[i] - meanDy - yNorm[i] * meanDyY) * invStd;
                }
            }
        }
    }

    /// <summary>Channels of (N, C, spatial) as rows: C rows of N·spatial elements, spatial apart within an image.</summary>
    private RowLayout Layout(Blob x)
    {
        int num = x.NumAxes == 1 ? x.Count : x.ShapeAt(0);
        int spatial = x.NumAxes <= 2 ? 1 : x.CountFrom(2);
        return new RowLayout(_channels, num * spatial, spatial, spatial, _channels * spatial);
    }

    /// <inheritdoc />
    protected override void ForwardDevice(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (Backend is not OpenCLBackend cl)
        {
            ForwardCpu(bottom, top);
            return;
        }
        System.Reflection.Assembly assembly = typeof(BatchNormLayer).Assembly;
        _device ??= new RowStatistics(cl);
        _update ??= cl.Kernel(assembly, "BatchNormLayer.cl", "batchnorm_update");
        _global ??= cl.Kernel(assembly, "BatchNormLayer.cl", "batchnorm_global");
        RowLayout layout = Layout(bottom[0]);
        _device.Reshape(layout);
        IDeviceMemory x = bottom[0].DeviceData();
        if (_useGlobalStats)
        {
            _global.Arg(0, _channels).Arg(1, _eps).Arg(2, Blobs[0].DeviceData()).Arg(3, Blobs[1].DeviceData()).Arg(4, Blobs[2].DeviceData())
                .Arg(5, _device.Mean.MutableDeviceData()).Arg(6, _device.InvStd.MutableDeviceData()).Launch(_channels);
        }
        else
        {
            _device.Moments(layout, x, RowNormalization.InverseSqrtVariance, _eps);
            int perChannel = layout.Count;
            float correction = perChannel > 1 ? (float)perChannel / (perChannel - 1) : 1f;
            _update.Arg(0, _channels).Arg(1, _fraction).Arg(2, correction).Arg(3, _device.Mean.DeviceData()).Arg(4, _device.Variance.DeviceData())
                .Arg(5, Blobs[0].MutableDeviceData()).Arg(6, Blobs[1].MutableDeviceData()).Arg(7, Blobs[2].MutableDeviceData()).Launch(_channels);
        }
        _device.Normalize(layout, x, top[0].MutableDeviceData());
    }

    /// <inheritdoc />
    protected override void BackwardDevice(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (Backend is not OpenCLBackend || _device is null)
        {
            BackwardCpu(top, propagateDown, bottom);
            return;
        }
        if (!propagateDown[0])
        {
            return;
        }
        _device.Backward(Layout(bottom[0]), _useGlobalStats ? RowNormalization.Fixed : RowNormalization.InverseSqrtVariance,
            top[0].DeviceDiff(), bottom[0].MutableDeviceDiff());
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _device?.Dispose();
        _normalized.Dispose();
        base.Dispose();
    }
}
