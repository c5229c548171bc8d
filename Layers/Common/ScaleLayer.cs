using Engine.Memory;
using Engine.Backends.OpenCL;
using Engine.Fillers;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// y = x·s (+ b when <c>bias_term</c>) with s broadcast over bottom axes [axis, axis + s.NumAxes): s is bottom 1, or a
/// learned blob over [<c>axis</c>, <c>axis</c>+<c>num_axes</c>) (defaults 1 and 1; −1 = to the end, 0 = a scalar)
/// filled by <c>filler</c> (default constant 1). Blob order: [scale, bias], or [bias] with two bottoms.
/// May run in place (the input is then kept for the scale gradient).
/// </summary>
[Layer("Scale", Summary = "Multiplies by a broadcast factor (bottom 1 or learned), optionally adding a bias.")]
public sealed class ScaleLayer : Layer
{
    private readonly Blob _input = new("input");
    private BroadcastAxes _view;
    private int _biasIndex = -1;
    private Blob? _deviceInput;
    private OpenCLKernel? _forwardKernel;
    private OpenCLKernel? _backwardKernel;
    private OpenCLKernel? _paramKernel;

    /// <summary>Creates the layer.</summary>
    public ScaleLayer(LayerParameter param)
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
        ScaleParameter p = Param.ScaleParam ?? new ScaleParameter();
        _biasIndex = p.BiasTerm ? (bottom.Count > 1 ? 0 : 1) : -1;
        if (Blobs.Count > 0)
        {
            return;
        }
        int[] shape;
        if (bottom.Count > 1)
        {
            shape = bottom[1].ShapeArray;
        }
        else
        {
            int axis = CanonicalAxis(bottom[0], p.Axis);
            shape = BroadcastAxes.ParamShape(bottom[0], axis, p.NumAxes, Error);
            var scale = new Blob(shape, Name + "/scale", Backend);
            Filler.Fill(scale, p.Filler ?? Filler.Constant(1f), Random);
            Blobs.Add(scale);
        }
        if (p.BiasTerm)
        {
            var bias = new Blob(shape, Name + "/bias", Backend);
            Filler.Fill(bias, p.BiasFiller, Random);
            Blobs.Add(bias);
        }
    }

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        Blob scale = bottom.Count > 1 ? bottom[1] : Blobs[0];
        // A scalar factor broadcasts the same way from any axis.
        int axis = scale.NumAxes == 0 ? 0 : CanonicalAxis(bottom[0], Param.ScaleParam?.Axis ?? 1);
        _view = BroadcastAxes.Of(bottom[0], scale, axis, Error);
        if (_biasIndex >= 0 && Blobs[_biasIndex].Count != scale.Count)
        {
            throw Error($"bias blob of shape {Blobs[_biasIndex].ShapeString} does not match the scale of shape {scale.ShapeString}.");
        }
        top[0].ReshapeLike(bottom[0]);
        if (ReferenceEquals(top[0], bottom[0]))
        {
            _input.ReshapeLike(bottom[0]);
        }
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (ReferenceEquals(top[0], bottom[0]))
        {
            bottom[0].Data.CopyTo(_input.MutableData);
        }
        ReadOnlySpan<float> x = ReferenceEquals(top[0], bottom[0]) ? _input.Data : bottom[0].Data;
        ReadOnlySpan<float> s = (bottom.Count > 1 ? bottom[1] : Blobs[0]).Data;
        ReadOnlySpan<float> b = _biasIndex >= 0 ? Blobs[_biasIndex].Data : default;
        Span<float> y = top[0].MutableData;
        (_, int outer, int dim, int inner) = _view;
        for (int o = 0; o < outer; o++)
        {
            if (inner == 1)
            {
                // Factor over the last axes: vector ops per row instead of a call per element.
                Span<float> row = y.Slice(o * dim, dim);
                Ops.Mul(x.Slice(o * dim, dim), s, row);
                if (_biasIndex >= 0)
                {
                    Ops.Add(row, b, row);
                }
                continue;
            }
            for (int d = 0; d < dim; d++)
            {
                int start = (o * dim + d) * inner;
                Span<float> dst = y.Slice(start, inner);
                Ops.Scale(s[d], x.Slice(start, inner), dst);
                if (_biasIndex >= 0)
                {
                    Ops.AddScalar(b[d], dst);
                }
            }
        }
    }

    /// <inheritdoc />
    protected override void BackwardCpu(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        ReadOnlySpan<float> dy = top[0].Diff;
        (_, int outer, int dim, int inner) = _view;
        // Parameter gradients first: in place, writing dx overwrites dy.
        if (_biasIndex >= 0 && ParamPropagateDown[_biasIndex])
        {
            Span<float> db = Blobs[_biasIndex].MutableDiff;
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
        bool fromBottom = bottom.Count > 1;
        if (fromBottom ? propagateDown[1] : ParamPropagateDown[0])
        {
            ReadOnlySpan<float> x = ReferenceEquals(top[0], bottom[0]) ? _input.Data : bottom[0].Data;
            Span<float> ds = fromBottom ? bottom[1].MutableDiff : Blobs[0].MutableDiff;
            if (fromBottom)
            {
                ds.Clear();
            }
            for (int o = 0; o < outer; o++)
            {
                if (inner == 1)
                {
                    int rowStart = o * dim;
                    for (int d = 0; d < dim; d++)
                    {
                        ds[d] += dy[rowStart + d] * x[rowStart + d];
                    }
                    continue;
                }
                for (int d = 0; d < dim; d++)
                {
                    int start = (o * dim + d) * inner;
                    ds[d] += Ops.Dot(dy.Slice(start, inner), x.Slice(start, inner));
                }
            }
        }
        if (propagateDown[0])
        {
            ReadOnlySpan<float> s = (fromBottom ? bottom[1] : Blobs[0]).Data;
            Span<float> dx = bottom[0].MutableDiff;
            for (int o = 0; o < outer; o++)
            {
                if (inner == 1)
                {
                    Ops.Mul(dy.Slice(o * dim, dim), s, dx.Slice(o * dim, dim));
                    continue;
                }
                for (int d = 0; d < dim; d++)
                {
                    int start = (o * dim + d) * inner;
                    Ops.Scale(s[d], dy.Slice(start, inner), dx.Slice(start, inner));
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
        _forwardKernel ??= cl.Kernel(typeof(ScaleLayer).Assembly, "ScaleLayer.cl", "scale_forward");
        int n = bottom[0].Count;
        IDeviceMemory x = bottom[0].DeviceData();
        if (ReferenceEquals(top[0], bottom[0]))
        {
            // In place the top overwrites x, which the scale gradient needs.
            _deviceInput ??= new Blob("input", cl);
            _deviceInput.ReshapeLike(bottom[0]);
            cl.DeviceMath.Copy(n, x, 0, _deviceInput.MutableDeviceData(), 0);
            x = _deviceInput.DeviceData();
        }
        IDeviceMemory s = (bottom.Count > 1 ? bottom[1] : Blobs[0]).DeviceData();
        // Without a bias the kernel never reads b; any buffer will do for the argument.
        IDeviceMemory b = _biasIndex >= 0 ? Blobs[_biasIndex].DeviceData() : s;
        _forwardKernel.Arg(0, n).Arg(1, _view.Dim).Arg(2, _view.Inner).Arg(3, _biasIndex >= 0 ? 1 : 0).Arg(4, x).Arg(5, s).Arg(6, b)
            .Arg(7, top[0].MutableDeviceData()).Launch(n);
    }

    /// <inheritdoc />
    protected override void BackwardDevice(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (Backend is not OpenCLBackend cl)
        {
            BackwardCpu(top, propagateDown, bottom);
            return;
        }
        System.Reflection.Assembly assembly = typeof(ScaleLayer).Assembly;
        IDeviceMemory dy = top[0].DeviceDiff();
        long groups = (long)_view.Dim * 64;
        // Parameter gradients first: in place, writing dx overwrites dy.
        if (_biasIndex >= 0 && ParamPropagateDown[_biasIndex])
        {
            _paramKernel ??= cl.Kernel(assembly, "ScaleLayer.cl", "scale_param_diff");
            _paramKernel.Arg(0, _view.Outer).Arg(1, _view.Dim).Arg(2, _view.Inner).Arg(3, 0).Arg(4, 1).Arg(5, dy).Arg(6, dy)
                .Arg(7, Blobs[_biasIndex].MutableDeviceDiff()).Launch(groups, 64);
        }
        bool fromBottom = bottom.Count > 1;
        if (fromBottom ? propagateDown[1] : ParamPropagateDown[0])
        {
            _paramKernel ??= cl.Kernel(assembly, "ScaleLayer.cl", "scale_param_diff");
            IDeviceMemory x = ReferenceEquals(top[0], bottom[0]) && _deviceInput is not null ? _deviceInput.DeviceData() : bottom[0].DeviceData();
            IDeviceMemory ds = (fromBottom ? bottom[1] : Blobs[0]).MutableDeviceDiff();
            _paramKernel.Arg(0, _view.Outer).Arg(1, _view.Dim).Arg(2, _view.Inner).Arg(3, 1).Arg(4, fromBottom ? 0 : 1).Arg(5, dy).Arg(6, x)
                .Arg(7, ds).Launch(groups, 64);
        }
        if (propagateDown[0])
        {
            _backwardKernel ??= cl.Kernel(assembly, "ScaleLayer.cl", "scale_backward");
            IDeviceMemory s = (fromBottom ? bottom[1] : Blobs[0]).DeviceData();
            int n = bottom[0].Count;
            _backwardKernel.Arg(0, n).Arg(1, _view.Dim).Arg(2, _view.Inner).Arg(3, dy).Arg(4, s).Arg(5, bottom[0].MutableDeviceDiff()).Launch(n);
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _input.Dispose();
        _deviceInput?.Dispose();
        base.Dispose();
    }
}
