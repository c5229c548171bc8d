using Engine.Memory;
using Engine.Backends.OpenCL;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Caffe's one-vs-all hinge loss. Scores x (N, D) flattened from axis 1, labels (N). With δ_ij = −1 for j = label_i and +1
/// otherwise, v_ij = max(0, 1 + δ_ij·x_ij) — note the true class contributes max(0, 1 − x_label) — and
/// L = Σ v / N (norm L1, default) or Σ v² / N (L2). Gradient: dx_ij = δ_ij·[v_ij &gt; 0]/N (L1) or 2δ_ij·v_ij/N (L2).
/// For the lecture's multiclass SVM loss use <see cref="MulticlassHingeLossLayer"/>.
/// </summary>
[Layer("HingeLoss", Summary = "Caffe one-vs-all hinge loss sum(max(0, 1 + delta·x))/N, L1 or L2 norm.")]
public sealed class HingeLossLayer : LossLayer
{
    private readonly Blob _margins = new("margins");
    private readonly DeviceLossReduction _reduction = new();
    private Blob? _deviceMargins;
    private OpenCLKernel? _forwardKernel;
    private OpenCLKernel? _backwardKernel;
    private bool _l2;
    private int _num;
    private int _dim;

    /// <summary>Creates the layer.</summary>
    public HingeLossLayer(LayerParameter param)
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
        _dim = bottom[0].Count / Math.Max(_num, 1);
        if (bottom[1].Count != _num)
        {
            throw Error($"needs one label per example: scores '{bottom[0].Name}' are {bottom[0].ShapeString}, labels '{bottom[1].Name}' are {bottom[1].ShapeString}.");
        }
        _margins.ReshapeLike(bottom[0]);
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ReadOnlySpan<float> x = bottom[0].Data;
        ReadOnlySpan<float> label = bottom[1].Data;
        Span<float> v = _margins.MutableData;
        for (int n = 0; n < _num; n++)
        {
            int l = LabelAt(label, n, _dim);
            for (int j = 0; j < _dim; j++)
            {
                float s = x[n * _dim + j];
                v[n * _dim + j] = MathF.Max(0f, 1f + (j == l ? -s : s));
            }
        }
        float sum = _l2 ? Ops.SumSquares(v) : Ops.Asum(v);
        top[0].MutableData[0] = sum / _num;
    }

    /// <inheritdoc />
    protected override void BackwardCpu(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!PropagatesToPredictions(propagateDown, bottom))
        {
            return;
        }
        ReadOnlySpan<float> label = bottom[1].Data;
        ReadOnlySpan<float> v = _margins.Data;
        Span<float> dx = bottom[0].MutableDiff;
        float scale = top[0].Diff[0] / _num;
        for (int n = 0; n < _num; n++)
        {
            int l = (int)label[n];
            for (int j = 0; j < _dim; j++)
            {
                float m = v[n * _dim + j];
                float g = _l2 ? 2f * m : m > 0f ? 1f : 0f;
                dx[n * _dim + j] = (j == l ? -g : g) * scale;
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
        _forwardKernel ??= cl.Kernel(typeof(HingeLossLayer).Assembly, "HingeLossLayer.cl", "hinge_forward");
        _deviceMargins ??= new Blob("margins", cl);
        _deviceMargins.ReshapeLike(bottom[0]);
        int n = bottom[0].Count;
        IDeviceMemory items = _reduction.Items(cl, n);
        _forwardKernel.Arg(0, _num).Arg(1, _dim).Arg(2, _l2 ? 1 : 0).Arg(3, bottom[0].DeviceData()).Arg(4, bottom[1].DeviceData())
            .Arg(5, _deviceMargins.MutableDeviceData()).Arg(6, items).Launch(n);
        _reduction.Reduce(cl, false, _num, top[0]);
    }

    /// <inheritdoc />
    protected override void BackwardDevice(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (Backend is not OpenCLBackend cl || _deviceMargins is null)
        {
            BackwardCpu(top, propagateDown, bottom);
            return;
        }
        if (!PropagatesToPredictions(propagateDown, bottom))
        {
            return;
        }
        _backwardKernel ??= cl.Kernel(typeof(HingeLossLayer).Assembly, "HingeLossLayer.cl", "hinge_backward");
        _backwardKernel.Arg(0, _num).Arg(1, _dim).Arg(2, _l2 ? 1 : 0).Arg(3, bottom[1].DeviceData()).Arg(4, _deviceMargins.DeviceData())
            .Arg(5, top[0].Diff[0] / _num).Arg(6, bottom[0].MutableDeviceDiff()).Launch(bottom[0].Count);
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _margins.Dispose();
        _deviceMargins?.Dispose();
        _reduction.Dispose();
        base.Dispose();
    }

    private int LabelAt(ReadOnlySpan<float> label, int n, int classes)
    {
        int l = (int)label[n];
        if ((uint)l >= (uint)classes)
        {
            throw Error($"label {l} of example {n} is outside [0, {classes}).");
        }
        return l;
    }
}
