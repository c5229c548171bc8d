using Engine.Memory;
using Engine.Backends.OpenCL;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Softmax over <c>axis</c> followed by the multinomial logistic loss:
/// L = −Σ_{i not ignored} log(max(p_i[label_i], FLT_MIN)) / normalizer (FULL, VALID (default), BATCH_SIZE or NONE).
/// Gradient: (p − onehot(label)) · loss_weight / normalizer, 0 at ignored positions; none to the labels.
/// An optional second top receives the probabilities.
/// </summary>
[Layer("SoftmaxWithLoss", Summary = "Softmax + cross-entropy against integer labels, with ignore_label and normalization modes.")]
public sealed class SoftmaxWithLossLayer : LossLayer
{
    // FLT_MIN, the smallest normal float: keeps log finite when a probability underflows.
    private const float FloatMin = 1.17549435e-38f;

    private readonly Blob _prob = new("prob");
    private int _outer;
    private int _channels;
    private int _inner;
    private int? _ignoreLabel;
    private LossParameter.Types.NormalizationMode _mode;
    private float _normalizer = 1f;

    // Device-side state: probabilities, and per-position losses and counts followed by the normalizer.
    private Blob? _deviceProb;
    private Blob? _deviceScratch;
    private OpenCLKernel? _softmaxKernel;
    private OpenCLKernel? _positionsKernel;
    private OpenCLKernel? _reduceKernel;
    private OpenCLKernel? _backwardKernel;

    /// <summary>Creates the layer.</summary>
    public SoftmaxWithLossLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    public override int ExactNumTopBlobs => -1;

    /// <inheritdoc />
    public override int MinTopBlobs => 1;

    /// <inheritdoc />
    public override int MaxTopBlobs => 2;

    /// <inheritdoc />
    public override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        LossParameter? lp = Param.LossParam;
        _ignoreLabel = lp is not null && lp.HasIgnoreLabel ? lp.IgnoreLabel : null;
        _mode = NormalizationMode(LossParameter.Types.NormalizationMode.Valid);
    }

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        int axis = CanonicalAxis(bottom[0], Param.SoftmaxParam?.Axis ?? 1);
        _outer = bottom[0].CountRange(0, axis);
        _channels = bottom[0].ShapeAt(axis);
        _inner = bottom[0].CountFrom(axis + 1);
        if (bottom[1].Count != _outer * _inner)
        {
            throw Error($"the label count must equal outer×inner = {_outer * _inner} for scores '{bottom[0].Name}' of shape {bottom[0].ShapeString} (axis {axis}), but labels '{bottom[1].Name}' have shape {bottom[1].ShapeString}.");
        }
        top[0].Reshape(ReadOnlySpan<int>.Empty);
        _prob.ReshapeLike(bottom[0]);
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
                loss -= MathF.Log(MathF.Max(prob[o * block + l * _inner + i], FloatMin));
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
        if (!PropagatesToPredictions(propagateDown, bottom))
        {
            return;
        }
        Span<float> dx = bottom[0].MutableDiff;
        _prob.Data.CopyTo(dx);
        ReadOnlySpan<float> label = bottom[1].Data;
        int block = _channels * _inner;
        for (int o = 0; o < _outer; o++)
        {
            for (int i = 0; i < _inner; i++)
            {
                int l = (int)label[o * _inner + i];
                if (_ignoreLabel == l)
                {
                    for (int c = 0; c < _channels; c++)
                    {
                        dx[o * block + c * _inner + i] = 0f;
                    }
                }
                else
                {
                    dx[o * block + l * _inner + i] -= 1f;
                }
            }
        }
        Ops.Scale(top[0].Diff[0] / _normalizer, dx, dx);
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _prob.Dispose();
        _deviceProb?.Dispose();
        _deviceScratch?.Dispose();
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
        System.Reflection.Assembly assembly = typeof(SoftmaxWithLossLayer).Assembly;
        _softmaxKernel ??= cl.Kernel(assembly, "SoftmaxLayer.cl", "softmax_forward");
        _positionsKernel ??= cl.Kernel(assembly, "SoftmaxWithLossLayer.cl", "softmax_loss_positions");
        _reduceKernel ??= cl.Kernel(assembly, "SoftmaxWithLossLayer.cl", "softmax_loss_reduce");
        _deviceProb ??= new Blob("prob", Backend);
        _deviceScratch ??= new Blob("loss_scratch", Backend);
        _deviceProb.ReshapeLike(bottom[0]);
        int positions = _outer * _inner;
        Span<int> scratchShape = stackalloc int[1];
        scratchShape[0] = 2 * positions + 1;
        _deviceScratch.Reshape(scratchShape);

        IDeviceMemory x = bottom[0].DeviceData(), label = bottom[1].DeviceData();
        IDeviceMemory prob = _deviceProb.MutableDeviceData(), scratch = _deviceScratch.MutableDeviceData();
        _softmaxKernel.Arg(0, _outer).Arg(1, _channels).Arg(2, _inner).Arg(3, x).Arg(4, prob).Launch(positions);
        _positionsKernel.Arg(0, _outer).Arg(1, _channels).Arg(2, _inner).Arg(3, prob).Arg(4, label)
            .Arg(5, _ignoreLabel.HasValue ? 1 : 0).Arg(6, _ignoreLabel ?? 0).Arg(7, scratch).Launch(positions);
        _reduceKernel.Arg(0, _outer).Arg(1, _inner).Arg(2, (int)_mode).Arg(3, scratch).Arg(4, top[0].MutableDeviceData()).Launch(64, 64);
        if (top.Count == 2)
        {
            cl.DeviceMath.Copy(bottom[0].Count, prob, 0, top[1].MutableDeviceData(), 0);
        }
    }

    /// <inheritdoc />
    protected override void BackwardDevice(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (Backend is not OpenCLBackend cl || _deviceProb is null || _deviceScratch is null)
        {
            BackwardCpu(top, propagateDown, bottom);
            return;
        }
        if (!PropagatesToPredictions(propagateDown, bottom))
        {
            return;
        }
        _backwardKernel ??= cl.Kernel(typeof(SoftmaxWithLossLayer).Assembly, "SoftmaxWithLossLayer.cl", "softmax_loss_backward");
        float weight = top[0].Diff[0];
        IDeviceMemory prob = _deviceProb.DeviceData(), label = bottom[1].DeviceData(), scratch = _deviceScratch.DeviceData();
        _backwardKernel.Arg(0, _outer).Arg(1, _channels).Arg(2, _inner).Arg(3, prob).Arg(4, label)
            .Arg(5, _ignoreLabel.HasValue ? 1 : 0).Arg(6, _ignoreLabel ?? 0).Arg(7, scratch).Arg(8, weight)
            .Arg(9, bottom[0].MutableDeviceDiff()).Launch(bottom[0].Count);
    }
}
