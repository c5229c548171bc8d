using Engine.Memory;
using Engine.Backends.OpenCL;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// The multiclass SVM (Weston–Watkins) hinge loss of the lectures (Engine's own type): scores s (N, C) flattened from axis 1,
/// labels y (N), margin Δ = 1: L = (1/N) Σ_n Σ_{j≠y_n} max(0, s_nj − s_ny + Δ), or with <c>hinge_loss_param.norm: L2</c> the
/// squared hinge max(0, ·)². Unlike Caffe's <see cref="HingeLossLayer"/> the true class adds nothing by itself.
/// Gradient per active term m = s_nj − s_ny + Δ &gt; 0: ds_nj += g/N, ds_ny −= g/N with g = 1 (L1) or 2m (L2).
/// </summary>
[Layer("MulticlassHingeLoss", Summary = "Multiclass SVM loss mean over examples of sum_{j!=y} max(0, s_j - s_y + 1) (L1 or squared).")]
public sealed class MulticlassHingeLossLayer : LossLayer
{
    private const float Margin = 1f;

    private bool _l2;
    private int _num;
    private int _classes;
    private readonly DeviceLossReduction _reduction = new();
    private OpenCLKernel? _forwardKernel;
    private OpenCLKernel? _backwardKernel;

    /// <summary>Creates the layer.</summary>
    public MulticlassHingeLossLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    public override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
        => _l2 = (Param.HingeLossParam?.Norm ?? HingeLossParameter.Types.Norm.L1) == HingeLossParameter.Types.Norm.L2;

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        base.Reshape(bottom, top);
        _num = bottom[0].ShapeAt(0);
        _classes = bottom[0].Count / Math.Max(_num, 1);
        if (bottom[1].Count != _num)
        {
            throw Error($"needs one label per example: scores '{bottom[0].Name}' are {bottom[0].ShapeString}, labels '{bottom[1].Name}' are {bottom[1].ShapeString}.");
        }
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ReadOnlySpan<float> s = bottom[0].Data;
        ReadOnlySpan<float> label = bottom[1].Data;
        double loss = 0;
        for (int n = 0; n < _num; n++)
        {
            int y = (int)label[n];
            if ((uint)y >= (uint)_classes)
            {
                throw Error($"label {y} of example {n} is outside [0, {_classes}).");
            }
            ReadOnlySpan<float> row = s.Slice(n * _classes, _classes);
            for (int j = 0; j < _classes; j++)
            {
                float m = row[j] - row[y] + Margin;
                if (j != y && m > 0f)
                {
                    loss += _l2 ? (double)m * m : m;
                }
            }
        }
        top[0].MutableData[0] = (float)(loss / _num);
    }

    /// <inheritdoc />
    protected override void BackwardCpu(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!PropagatesToPredictions(propagateDown, bottom))
        {
            return;
        }
        ReadOnlySpan<float> s = bottom[0].Data;
        ReadOnlySpan<float> label = bottom[1].Data;
        Span<float> ds = bottom[0].MutableDiff;
        ds.Clear();
        float scale = top[0].Diff[0] / _num;
        for (int n = 0; n < _num; n++)
        {
            int y = (int)label[n];
            int o = n * _classes;
            for (int j = 0; j < _classes; j++)
            {
                float m = s[o + j] - s[o + y] + Margin;
                if (j != y && m > 0f)
                {
                    float g = (_l2 ? 2f * m : 1f) * scale;
                    ds[o + j] += g;
                    ds[o + y] -= g;
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
        _forwardKernel ??= cl.Kernel(typeof(MulticlassHingeLossLayer).Assembly, "MulticlassHingeLossLayer.cl", "multiclass_hinge_forward");
        IDeviceMemory items = _reduction.Items(cl, _num);
        _forwardKernel.Arg(0, _num).Arg(1, _classes).Arg(2, _l2 ? 1 : 0).Arg(3, bottom[0].DeviceData()).Arg(4, bottom[1].DeviceData())
            .Arg(5, items).Launch(_num);
        _reduction.Reduce(cl, false, _num, top[0]);
    }

    /// <inheritdoc />
    protected override void BackwardDevice(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (Backend is not OpenCLBackend cl)
        {
            BackwardCpu(top, propagateDown, bottom);
            return;
        }
        if (!PropagatesToPredictions(propagateDown, bottom))
        {
            return;
        }
        _backwardKernel ??= cl.Kernel(typeof(MulticlassHingeLossLayer).Assembly, "MulticlassHingeLossLayer.cl", "multiclass_hinge_backward");
        _backwardKernel.Arg(0, _num).Arg(1, _classes).Arg(2, _l2 ? 1 : 0).Arg(3, bottom[0].DeviceData()).Arg(4, bottom[1].DeviceData())
            .Arg(5, top[0].Diff[0] / _num).Arg(6, bottom[0].MutableDeviceDiff()).Launch(bottom[0].Count);
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _reduction.Dispose();
        base.Dispose();
    }
}
