using Engine.Memory;
using Engine.Backends.OpenCL;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Reduces all axes from <c>axis</c> (default 0) to the end to one value per leading index: SUM, ASUM (Σ|x|),
/// SUMSQ (Σx²) or MEAN, times <c>coeff</c> (default 1). Top shape = bottom shape[0:axis] (a scalar for axis 0).
/// </summary>
[Layer("Reduction", Summary = "SUM/ASUM/SUMSQ/MEAN over the trailing axes from `axis`, times coeff.")]
public sealed class ReductionLayer : Layer
{
    private ReductionParameter.Types.ReductionOp _op;
    private float _coeff;
    private int _axis;
    private int _outer;
    private int _dim;
    private OpenCLKernel? _forwardKernel;
    private OpenCLKernel? _backwardKernel;

    /// <summary>Creates the layer.</summary>
    public ReductionLayer(LayerParameter param)
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
        ReductionParameter p = Param.ReductionParam ?? new ReductionParameter();
        _op = p.Operation;
        if (!Enum.IsDefined(_op))
        {
            throw Error($"unknown reduction operation {(int)_op}; use SUM, ASUM, SUMSQ or MEAN.");
        }
        _coeff = p.Coeff;
    }

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        Blob x = bottom[0];
        if (ReferenceEquals(top[0], x))
        {
            throw Error($"top '{x.Name}' cannot be the bottom: Reduction does not run in place.");
        }
        int axis = Param.ReductionParam?.Axis ?? 0;
        // A scalar bottom (0 axes) reduces to a scalar with axis 0.
        _axis = x.NumAxes == 0 && axis == 0 ? 0 : CanonicalAxis(x, axis);
        top[0].Reshape(x.Shape[.._axis]);
        _outer = x.CountRange(0, _axis);
        _dim = x.CountFrom(_axis);
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ReadOnlySpan<float> x = bottom[0].Data;
        Span<float> y = top[0].MutableData;
        float scale = _op == ReductionParameter.Types.ReductionOp.Mean ? _coeff / _dim : _coeff;
        for (int n = 0; n < _outer; n++)
        {
            ReadOnlySpan<float> row = x.Slice(n * _dim, _dim);
            float v = _op switch
            {
                ReductionParameter.Types.ReductionOp.Asum => Ops.Asum(row),
                ReductionParameter.Types.ReductionOp.Sumsq => Ops.SumSquares(row),
                _ => Ops.Sum(row),
            };
            y[n] = scale * v;
        }
    }

    /// <inheritdoc />
    protected override void BackwardCpu(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!propagateDown[0])
        {
            return;
        }
        ReadOnlySpan<float> x = bottom[0].Data;
        ReadOnlySpan<float> dy = top[0].Diff;
        Span<float> dx = bottom[0].MutableDiff;
        float scale = _op == ReductionParameter.Types.ReductionOp.Mean ? _coeff / _dim : _coeff;
        for (int n = 0; n < _outer; n++)
        {
            float g = scale * dy[n];
            Span<float> dRow = dx.Slice(n * _dim, _dim);
            ReadOnlySpan<float> row = x.Slice(n * _dim, _dim);
            switch (_op)
            {
                case ReductionParameter.Types.ReductionOp.Asum:
                    Ops.Sign(row, dRow);
                    Ops.Scale(g, dRow, dRow);
                    break;
                case ReductionParameter.Types.ReductionOp.Sumsq:
                    Ops.Scale(2f * g, row, dRow);
                    break;
                default:
                    dRow.Fill(g);
                    break;
            }
        }
    }

    private float DeviceScale => _op == ReductionParameter.Types.ReductionOp.Mean ? _coeff / _dim : _coeff;

    /// <inheritdoc />
    protected override void ForwardDevice(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (Backend is not OpenCLBackend cl)
        {
            ForwardCpu(bottom, top);
            return;
        }
        _forwardKernel ??= cl.Kernel(typeof(ReductionLayer).Assembly, "ReductionLayer.cl", "reduction_forward");
        _forwardKernel.Arg(0, _outer).Arg(1, _dim).Arg(2, (int)_op).Arg(3, DeviceScale).Arg(4, bottom[0].DeviceData())
            .Arg(5, top[0].MutableDeviceData()).Launch(_outer);
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
        _backwardKernel ??= cl.Kernel(typeof(ReductionLayer).Assembly, "ReductionLayer.cl", "reduction_backward");
        _backwardKernel.Arg(0, _outer).Arg(1, _dim).Arg(2, (int)_op).Arg(3, DeviceScale).Arg(4, bottom[0].DeviceData())
            .Arg(5, top[0].DeviceDiff()).Arg(6, bottom[0].MutableDeviceDiff()).Launch((long)_outer * _dim);
    }
}
