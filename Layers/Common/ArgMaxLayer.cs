using Engine.Memory;
using Engine.Backends.OpenCL;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// The indices (or values) of the <c>top_k</c> largest entries, best first. Without <c>axis</c>: per sample over all
/// of count(1..), top (N, 1, top_k, 1…) — or (N, 2, top_k, …) with <c>out_max_val</c>, row 0 indices and row 1 values.
/// With <c>axis</c>: the bottom shape with shape[axis] = top_k, holding indices, or values when <c>out_max_val</c>.
/// Equal values rank the higher index first (Caffe's ordering). No gradient.
/// </summary>
[Layer("ArgMax", Summary = "Indices (or values) of the top_k largest entries per sample or along an axis.")]
public sealed class ArgMaxLayer : Layer
{
    private bool _outMaxVal;
    private int _topK;
    private bool _hasAxis;
    private int _axis;
    private (float Value, int Index)[] _scratch = [];
    private OpenCLKernel? _forwardKernel;

    /// <summary>Creates the layer.</summary>
    public ArgMaxLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    public override int ExactNumBottomBlobs => 1;

    /// <inheritdoc />
    public override int ExactNumTopBlobs => 1;

    /// <inheritdoc />
    public override bool AllowForceBackward(int bottomIndex) => false;

    /// <inheritdoc />
    public override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ArgMaxParameter p = Param.ArgmaxParam ?? new ArgMaxParameter();
        _outMaxVal = p.OutMaxVal;
        _hasAxis = p.HasAxis;
        if (p.TopK < 1)
        {
            throw Error("argmax_param.top_k must be at least 1.");
        }
        _topK = (int)p.TopK;
    }

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        Blob x = bottom[0];
        if (ReferenceEquals(top[0], x))
        {
            throw Error($"top '{x.Name}' cannot be the bottom: ArgMax does not run in place.");
        }
        int dim;
        if (_hasAxis)
        {
            _axis = CanonicalAxis(x, Param.ArgmaxParam!.Axis);
            dim = x.ShapeAt(_axis);
            if (_topK > dim)
            {
                throw Error($"top_k {_topK} exceeds the size {dim} of axis {_axis} of bottom '{x.Name}' (shape {x.ShapeString}).");
            }
            Span<int> shape = stackalloc int[x.NumAxes];
            x.Shape.CopyTo(shape);
            shape[_axis] = _topK;
            top[0].Reshape(shape);
        }
        else
        {
            if (x.NumAxes < 1)
            {
                throw Error($"bottom '{x.Name}' of shape {x.ShapeString} needs at least one axis.");
            }
            dim = x.CountFrom(1);
            if (_topK > dim)
            {
                throw Error($"top_k {_topK} exceeds the {dim} values per sample of bottom '{x.Name}' (shape {x.ShapeString}).");
            }
            Span<int> shape = stackalloc int[Math.Max(3, x.NumAxes)];
            shape.Fill(1);
            shape[0] = x.Shape[0];
            shape[1] = _outMaxVal ? 2 : 1;
            shape[2] = _topK;
            top[0].Reshape(shape);
        }
        if (_scratch.Length < dim)
        {
            _scratch = new (float, int)[dim];
        }
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        Blob xb = bottom[0];
        ReadOnlySpan<float> x = xb.Data;
        Span<float> y = top[0].MutableData;
        int dim = _hasAxis ? xb.ShapeAt(_axis) : xb.CountFrom(1);
        int inner = _hasAxis ? xb.CountFrom(_axis + 1) : 1;
        int outer = xb.Count / (dim * inner);
        Span<(float Value, int Index)> items = _scratch.AsSpan(0, dim);
        for (int o = 0; o < outer; o++)
        {
            for (int j = 0; j < inner; j++)
            {
                for (int d = 0; d < dim; d++)
                {
                    items[d] = (x[(o * dim + d) * inner + j], d);
                }
                PartialSortDescending(items, _topK);
                for (int k = 0; k < _topK; k++)
                {
                    if (!_hasAxis)
                    {
                        int rowLength = _outMaxVal ? 2 * _topK : _topK;
                        y[o * rowLength + k] = items[k].Index;
                        if (_outMaxVal)
                        {
                            y[o * rowLength + _topK + k] = items[k].Value;
                        }
                    }
                    else
                    {
                        y[(o * _topK + k) * inner + j] = _outMaxVal ? items[k].Value : items[k].Index;
                    }
                }
            }
        }
    }

    // Selection of the k best to the front, in order: (value, index) pairs compared lexicographically, larger first.
    private static void PartialSortDescending(Span<(float Value, int Index)> items, int k)
    {
        for (int i = 0; i < k; i++)
        {
            int best = i;
            for (int j = i + 1; j < items.Length; j++)
            {
                if (items[j].Value > items[best].Value || (items[j].Value == items[best].Value && items[j].Index > items[best].Index))
                {
                    best = j;
                }
            }
            (items[i], items[best]) = (items[best], items[i]);
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
        _forwardKernel ??= cl.Kernel(typeof(ArgMaxLayer).Assembly, "ArgMaxLayer.cl", "argmax_forward");
        Blob x = bottom[0];
        int dim = _hasAxis ? x.ShapeAt(_axis) : x.CountFrom(1);
        int inner = _hasAxis ? x.CountFrom(_axis + 1) : 1;
        int outer = x.Count / Math.Max(dim * inner, 1);
        _forwardKernel.Arg(0, outer).Arg(1, dim).Arg(2, inner).Arg(3, _topK).Arg(4, _hasAxis ? 1 : 0).Arg(5, _outMaxVal ? 1 : 0)
            .Arg(6, x.DeviceData()).Arg(7, top[0].MutableDeviceData()).Launch((long)outer * inner);
    }
}
