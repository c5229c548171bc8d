using Engine.Memory;
using Engine.Backends.OpenCL;
using Engine.Fillers;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// y = x + b with b broadcast over bottom axes [axis, axis + b.NumAxes): b is bottom 1, or a learned blob of the
/// bottom's shape over [<c>axis</c>, <c>axis</c>+<c>num_axes</c>) (defaults 1 and 1; −1 = to the end, 0 = a scalar;
/// default filler constant 0). May run in place.
/// </summary>
[Layer("Bias", Summary = "Adds a broadcast bias (bottom 1 or a learned blob) over a range of axes.")]
public sealed class BiasLayer : Layer
{
    private BroadcastAxes _view;
    private OpenCLKernel? _forwardKernel;
    private OpenCLKernel? _backwardKernel;

    /// <summary>Creates the layer.</summary>
    public BiasLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    public override int MinBottomBlobs => 1;

    /// <inheritdoc />
    public override int MaxBottomBlobs => 2;

    /// <inheritdoc />
    public override int ExactNumTopBlobs => 1;

    /// <inheritdoc />
    public override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (bottom.Count > 1 || Blobs.Count > 0)
        {
            return;
        }
        BiasParameter p = Param.BiasParam ?? new BiasParameter();
        int axis = CanonicalAxis(bottom[0], p.Axis);
        var bias = new Blob(BroadcastAxes.ParamShape(bottom[0], axis, p.NumAxes, Error), Name + "/bias", Backend);
        Filler.Fill(bias, p.Filler, Random);
        Blobs.Add(bias);
    }

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        Blob bias = bottom.Count > 1 ? bottom[1] : Blobs[0];
        // A scalar bias broadcasts the same way from any axis.
        int axis = bias.NumAxes == 0 ? 0 : CanonicalAxis(bottom[0], Param.BiasParam?.Axis ?? 1);
        _view = BroadcastAxes.Of(bottom[0], bias, axis, Error);
        top[0].ReshapeLike(bottom[0]);
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ReadOnlySpan<float> b = (bottom.Count > 1 ? bottom[1] : Blobs[0]).Data;
        Span<float> y = top[0].MutableData;
        if (!ReferenceEquals(top[0], bottom[0]))
        {
            bottom[0].Data.CopyTo(y);
        }
        (_, int outer, int dim, int inner) = _view;
        for (int o = 0; o < outer; o++)
        {
            if (inner == 1)
            {
                // Bias over the last axes: one vector add per row instead of a call per element.
                Span<float> row = y.Slice(o * dim, dim);
                Ops.Add(row, b, row);
                continue;
            }
            for (int d = 0; d < dim; d++)
            {
                Ops.AddScalar(b[d], y.Slice((o * dim + d) * inner, inner));
            }
        }
    }

    /// <inheritdoc />
    protected override void BackwardCpu(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        ReadOnlySpan<float> dy = top[0].Diff;
        bool fromBottom = bottom.Count > 1;
        if (fromBottom ? propagateDown[1] : ParamPropagateDown[0])
        {
            // A bias bottom's diff is overwritten; a parameter's diff accumulates.
            Span<float> db = fromBottom ? bottom[1].MutableDiff : Blobs[0].MutableDiff;
            if (fromBottom)
            {
                db.Clear();
            }
            (_, int outer, int dim, int inner) = _view;
            for (int o = 0; o < outer; o++)
            {
                if (inner == 1)
                {
                    Ops.Add(db, dy.Slice(o * dim, dim), db);
                    continue;
                }
                for (int d = 0; d < dim; d++)
                {
                    db[d] += Ops.Sum(dy.Slice((o * dim + d) * inner, inner));
                }
            }
        }
        if (propagateDown[0] && !ReferenceEquals(top[0], bottom[0]))
        {
            dy.CopyTo(bottom[0].MutableDiff);
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
        _forwardKernel ??= cl.Kernel(typeof(BiasLayer).Assembly, "BiasLayer.cl", "bias_forward");
        IDeviceMemory b = (bottom.Count > 1 ? bottom[1] : Blobs[0]).DeviceData();
        int n = bottom[0].Count;
        _forwardKernel.Arg(0, n).Arg(1, _view.Dim).Arg(2, _view.Inner).Arg(3, bottom[0].DeviceData()).Arg(4, b)
            .Arg(5, top[0].MutableDeviceData()).Launch(n);
    }

    /// <inheritdoc />
    protected override void BackwardDevice(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (Backend is not OpenCLBackend cl)
        {
            BackwardCpu(top, propagateDown, bottom);
            return;
        }
        IDeviceMemory dy = top[0].DeviceDiff();
        bool fromBottom = bottom.Count > 1;
        if (fromBottom ? propagateDown[1] : ParamPropagateDown[0])
        {
            // A bias bottom's diff is overwritten; a parameter's diff accumulates.
            _backwardKernel ??= cl.Kernel(typeof(BiasLayer).Assembly, "BiasLayer.cl", "bias_backward");
            IDeviceMemory db = (fromBottom ? bottom[1] : Blobs[0]).MutableDeviceDiff();
            _backwardKernel.Arg(0, _view.Outer).Arg(1, _view.Dim).Arg(2, _view.Inner).Arg(3, fromBottom ? 0 : 1).Arg(4, dy).Arg(5, db)
                .Launch((long)_view.Dim * 64, 64);
        }
        if (propagateDown[0] && !ReferenceEquals(top[0], bottom[0]))
        {
            cl.DeviceMath.Copy(bottom[0].Count, dy, 0, bottom[0].MutableDeviceDiff(), 0);
        }
    }
}
