using Engine.Memory;
using Engine.Backends.OpenCL;
using Engine.Formats;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Infogain loss: softmax over <c>infogain_loss_param.axis</c> (default 1) giving p, then with a C×C matrix H (bottom[2],
/// or the binary BlobProto file <c>infogain_loss_param.source</c>; one of them is required):
/// L = −Σ_{i not ignored} Σ_l H[label_i, l]·log(max(p_il, 1e-20)) / normalizer (loss_param normalization, default VALID).
/// Gradient to the scores: (p_il·Σ_l' H[label_i, l'] − H[label_i, l])/normalizer; none to labels or H.
/// An optional second top receives the probabilities.
/// </summary>
[Layer("InfogainLoss", Summary = "Softmax + information-gain weighted log loss with a CxC matrix H (bottom or file).")]
public sealed class InfogainLossLayer : LossLayer
{
    // Keeps log finite for underflowing probabilities, as Caffe's kLOG_THRESHOLD.
    private const float LogThreshold = 1e-20f;

    private readonly Blob _prob = new("prob");
    private readonly Blob _fileMatrix = new("infogain");
    private readonly Blob _rowSums = new("infogain row sums");
    private int _outer;
    private int _channels;
    private int _inner;
    private int? _ignoreLabel;
    private LossParameter.Types.NormalizationMode _mode;
    private float _normalizer = 1f;
    private readonly DeviceLossReduction _reduction = new();
    private Blob? _deviceProb;
    private Blob? _deviceRowSums;
    private Blob? _deviceFileMatrix;
    private OpenCLKernel? _softmaxKernel;
    private OpenCLKernel? _positionsKernel;
    private OpenCLKernel? _rowSumsKernel;
    private OpenCLKernel? _backwardKernel;

    /// <summary>Creates the layer.</summary>
    public InfogainLossLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    public override int ExactNumBottomBlobs => -1;

    /// <inheritdoc />
    public override int MinBottomBlobs => 2;

    /// <inheritdoc />
    public override int MaxBottomBlobs => 3;

    /// <inheritdoc />
    public override int ExactNumTopBlobs => -1;

    /// <inheritdoc />
    public override int MinTopBlobs => 1;

    /// <inheritdoc />
    public override int MaxTopBlobs => 2;

    /// <inheritdoc />
    public override bool AllowForceBackward(int bottomIndex) => bottomIndex == 0;

    /// <inheritdoc />
    public override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        LossParameter? lp = Param.LossParam;
        if (lp is not null && lp.HasNormalize && !lp.HasNormalization)
        {
            throw Error("the legacy loss_param.normalize is not supported by InfogainLoss; use loss_param.normalization.");
        }
        _ignoreLabel = lp is not null && lp.HasIgnoreLabel ? lp.IgnoreLabel : null;
        _mode = NormalizationMode(LossParameter.Types.NormalizationMode.Valid);
        if (bottom.Count < 3)
        {
            string source = Param.InfogainLossParam?.Source ?? "";
            if (source.Length == 0)
            {
                throw Error("needs the infogain matrix H: give it as a third bottom or as infogain_loss_param.source (a binary BlobProto file).");
            }
            BlobProto proto;
            try
            {
                proto = WeightsFile.ReadBlob(source);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or WeightsFormatException)
            {
                throw new LayerException(Name, Type, $"cannot read the infogain matrix '{source}': {e.Message}");
            }
            int count = proto.StoredDataCount();
            _fileMatrix.Reshape(count);
            proto.CopyDataTo(_fileMatrix.MutableData);
        }
    }

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        base.Reshape(bottom, top);
        int axis = CanonicalAxis(bottom[0], Param.InfogainLossParam?.Axis ?? 1);
        _outer = bottom[0].CountRange(0, axis);
        _channels = bottom[0].ShapeAt(axis);
        _inner = bottom[0].CountFrom(axis + 1);
        if (bottom[1].Count != _outer * _inner)
        {
            throw Error($"the label count must equal outer×inner = {_outer * _inner} for scores '{bottom[0].Name}' of shape {bottom[0].ShapeString} (axis {axis}), but labels '{bottom[1].Name}' have shape {bottom[1].ShapeString}.");
        }
        Blob h = Matrix(bottom);
        if (h.Count != _channels * _channels)
        {
            throw Error($"the infogain matrix must be {_channels}×{_channels} for scores '{bottom[0].Name}' of shape {bottom[0].ShapeString} (axis {axis}), but '{h.Name}' has shape {h.ShapeString}.");
        }
        _prob.ReshapeLike(bottom[0]);
        _rowSums.Reshape(_channels);
        if (top.Count > 1)
        {
            top[1].ReshapeLike(bottom[0]);
        }
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        Span<float> prob = _prob.MutableData;
        SoftmaxMath.Forward(bottom[0].Data, prob, _outer, _channels, _inner);
        ReadOnlySpan<float> h = Matrix(bottom).Data;
        ReadOnlySpan<float> label = bottom[1].Data;
        double loss = 0;
        int valid = 0;
        int block = _channels * _inner;
        for (int o = 0; o < _outer; o++)
        {
            for (int i = 0; i < _inner; i++)
            {
                int l = (int)label[o * _inner + i];
                if (_ignoreLabel == l)
                {
                    continue;
                }
                if ((uint)l >= (uint)_channels)
                {
                    throw Error($"label {l} at position {o * _inner + i} is outside [0, {_channels}).");
                }
                for (int c = 0; c < _channels; c++)
                {
                    loss -= h[l * _channels + c] * MathF.Log(MathF.Max(prob[o * block + c * _inner + i], LogThreshold));
                }
                valid++;
            }
        }
        _normalizer = Normalizer(_mode, _outer, _inner, valid);
        top[0].MutableData[0] = (float)(loss / _normalizer);
        if (top.Count == 2)
        {
            _prob.Data.CopyTo(top[1].MutableData);
        }
    }

    /// <inheritdoc />
    protected override void BackwardCpu(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (propagateDown[1])
        {
            throw Error($"cannot back-propagate to the labels '{bottom[1].Name}'.");
        }
        if (propagateDown.Length > 2 && propagateDown[2])
        {
            throw Error($"cannot back-propagate to the infogain matrix '{bottom[2].Name}'.");
        }
        if (!propagateDown[0])
        {
            return;
        }
        ReadOnlySpan<float> h = Matrix(bottom).Data;
        Span<float> rowSums = _rowSums.MutableData;
        for (int r = 0; r < _channels; r++)
        {
            rowSums[r] = Ops.Sum(h.Slice(r * _channels, _channels));
        }
        ReadOnlySpan<float> prob = _prob.Data;
        ReadOnlySpan<float> label = bottom[1].Data;
        Span<float> dx = bottom[0].MutableDiff;
        float scale = top[0].Diff[0] / _normalizer;
        int block = _channels * _inner;
        for (int o = 0; o < _outer; o++)
        {
            for (int i = 0; i < _inner; i++)
            {
                int l = (int)label[o * _inner + i];
                bool ignored = _ignoreLabel == l;
                for (int c = 0; c < _channels; c++)
                {
                    int idx = o * block + c * _inner + i;
                    dx[idx] = ignored ? 0f : (prob[idx] * rowSums[l] - h[l * _channels + c]) * scale;
                }
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
        System.Reflection.Assembly assembly = typeof(InfogainLossLayer).Assembly;
        _softmaxKernel ??= cl.Kernel(assembly, "SoftmaxLayer.cl", "softmax_forward");
        _positionsKernel ??= cl.Kernel(assembly, "InfogainLossLayer.cl", "infogain_positions");
        _deviceProb ??= new Blob("prob", cl);
        _deviceProb.ReshapeLike(bottom[0]);
        int positions = _outer * _inner;
        IDeviceMemory prob = _deviceProb.MutableDeviceData();
        _softmaxKernel.Arg(0, _outer).Arg(1, _channels).Arg(2, _inner).Arg(3, bottom[0].DeviceData()).Arg(4, prob).Launch(positions);
        IDeviceMemory items = _reduction.Items(cl, positions);
        _positionsKernel.Arg(0, _outer).Arg(1, _channels).Arg(2, _inner).Arg(3, prob).Arg(4, bottom[1].DeviceData())
            .Arg(5, DeviceMatrix(cl, bottom)).Arg(6, _ignoreLabel.HasValue ? 1 : 0).Arg(7, _ignoreLabel ?? 0).Arg(8, items).Launch(positions);
        bool valid = _mode == LossParameter.Types.NormalizationMode.Valid;
        _reduction.Reduce(cl, valid, valid ? 1f : Normalizer(_mode, _outer, _inner, 0), top[0]);
        if (top.Count == 2)
        {
            cl.DeviceMath.Copy(bottom[0].Count, prob, 0, top[1].MutableDeviceData(), 0);
        }
    }

    /// <inheritdoc />
    protected override void BackwardDevice(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (Backend is not OpenCLBackend cl || _deviceProb is null)
        {
            BackwardCpu(top, propagateDown, bottom);
            return;
        }
        if (propagateDown[1])
        {
            throw Error($"cannot back-propagate to the labels '{bottom[1].Name}'.");
        }
        if (propagateDown.Length > 2 && propagateDown[2])
        {
            throw Error($"cannot back-propagate to the infogain matrix '{bottom[2].Name}'.");
        }
        if (!propagateDown[0])
        {
            return;
        }
        System.Reflection.Assembly assembly = typeof(InfogainLossLayer).Assembly;
        _rowSumsKernel ??= cl.Kernel(assembly, "InfogainLossLayer.cl", "infogain_row_sums");
        _backwardKernel ??= cl.Kernel(assembly, "InfogainLossLayer.cl", "infogain_backward");
        _deviceRowSums ??= new Blob("infogain row sums", cl);
        _deviceRowSums.ReshapeLike(_rowSums);
        IDeviceMemory h = DeviceMatrix(cl, bottom), rowSums = _deviceRowSums.MutableDeviceData();
        _rowSumsKernel.Arg(0, _channels).Arg(1, h).Arg(2, rowSums).Launch(_channels);
        _backwardKernel.Arg(0, _outer).Arg(1, _channels).Arg(2, _inner).Arg(3, _deviceProb.DeviceData()).Arg(4, bottom[1].DeviceData())
            .Arg(5, h).Arg(6, rowSums).Arg(7, _ignoreLabel.HasValue ? 1 : 0).Arg(8, _ignoreLabel ?? 0).Arg(9, _reduction.Scratch)
            .Arg(10, top[0].Diff[0]).Arg(11, bottom[0].MutableDeviceDiff()).Launch(bottom[0].Count);
    }

    // A matrix read from a file lives on the host; it is uploaded once, on the first device pass.
    private IDeviceMemory DeviceMatrix(OpenCLBackend cl, IReadOnlyList<Blob> bottom)
    {
        if (bottom.Count > 2)
        {
            return bottom[2].DeviceData();
        }
        if (_deviceFileMatrix is null)
        {
            _deviceFileMatrix = new Blob("infogain", cl);
            _deviceFileMatrix.ReshapeLike(_fileMatrix);
            _fileMatrix.Data.CopyTo(_deviceFileMatrix.MutableData);
        }
        return _deviceFileMatrix.DeviceData();
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _prob.Dispose();
        _fileMatrix.Dispose();
        _rowSums.Dispose();
        _deviceProb?.Dispose();
        _deviceRowSums?.Dispose();
        _deviceFileMatrix?.Dispose();
        _reduction.Dispose();
        base.Dispose();
    }

    private Blob Matrix(IReadOnlyList<Blob> bottom) => bottom.Count > 2 ? bottom[2] : _fileMatrix;
}
