using Engine.Memory;
using Engine.Backends.OpenCL;
using Engine.Fillers;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Looks up rows of a learned table: each bottom value is an integer index in [0, <c>input_dim</c>); the top gets that
/// row of the weight (input_dim × num_output) plus the bias, so top shape = bottom shape + [num_output].
/// Gradients go to the table rows that were used (and the bias); indices get none.
/// </summary>
[Layer("Embed", Summary = "Table lookup of integer indices into learned num_output-vectors (+ bias).")]
public sealed class EmbedLayer : Layer
{
    private int _inputDim;
    private int _numOutput;
    private bool _bias;
    private OpenCLKernel? _forwardKernel;
    private OpenCLKernel? _weightDiffKernel;

    /// <summary>Creates the layer.</summary>
    public EmbedLayer(LayerParameter param)
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
        EmbedParameter p = Param.EmbedParam ?? new EmbedParameter();
        if (p.NumOutput == 0)
        {
            throw Error("embed_param.num_output must be greater than 0.");
        }
        if (p.InputDim == 0)
        {
            throw Error("embed_param.input_dim must be greater than 0.");
        }
        _numOutput = (int)p.NumOutput;
        _inputDim = (int)p.InputDim;
        _bias = p.BiasTerm;
        if (Blobs.Count > 0)
        {
            return;
        }
        var weight = new Blob([_inputDim, _numOutput], Name + "/weight", Backend);
        Filler.Fill(weight, p.WeightFiller, Random);
        Blobs.Add(weight);
        if (_bias)
        {
            var bias = new Blob([_numOutput], Name + "/bias", Backend);
            Filler.Fill(bias, p.BiasFiller, Random);
            Blobs.Add(bias);
        }
    }

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        Blob x = bottom[0];
        if (ReferenceEquals(top[0], x))
        {
            throw Error($"top '{x.Name}' cannot be the bottom: Embed does not run in place.");
        }
        Span<int> shape = stackalloc int[x.NumAxes + 1];
        x.Shape.CopyTo(shape);
        shape[^1] = _numOutput;
        top[0].Reshape(shape);
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ReadOnlySpan<float> x = bottom[0].Data;
        ReadOnlySpan<float> w = Blobs[0].Data;
        Span<float> y = top[0].MutableData;
        for (int n = 0; n < x.Length; n++)
        {
            int index = Index(bottom[0], n);
            Span<float> row = y.Slice(n * _numOutput, _numOutput);
            w.Slice(index * _numOutput, _numOutput).CopyTo(row);
            if (_bias)
            {
                Ops.Add(row, Blobs[1].Data, row);
            }
        }
    }

    /// <inheritdoc />
    protected override void BackwardCpu(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (propagateDown[0])
        {
            throw Error($"cannot back-propagate to its input '{bottom[0].Name}': indices have no gradient.");
        }
        ReadOnlySpan<float> dy = top[0].Diff;
        int rows = bottom[0].Count;
        if (ParamPropagateDown[0])
        {
            Span<float> dw = Blobs[0].MutableDiff;
            for (int n = 0; n < rows; n++)
            {
                Span<float> dst = dw.Slice(Index(bottom[0], n) * _numOutput, _numOutput);
                Ops.Add(dst, dy.Slice(n * _numOutput, _numOutput), dst);
            }
        }
        if (_bias && ParamPropagateDown[1])
        {
            Span<float> db = Blobs[1].MutableDiff;
            for (int n = 0; n < rows; n++)
            {
                Ops.Add(db, dy.Slice(n * _numOutput, _numOutput), db);
            }
        }
    }

    private int Index(Blob x, int n)
    {
        float v = x.Data[n];
        int index = (int)v;
        if (index != v || index < 0 || index >= _inputDim)
        {
            throw Error($"bottom '{x.Name}' (shape {x.ShapeString}) holds {v} at position {n}; indices must be integers in [0, {_inputDim}).");
        }
        return index;
    }

    /// <inheritdoc />
    protected override void ForwardDevice(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (Backend is not OpenCLBackend cl)
        {
            ForwardCpu(bottom, top);
            return;
        }
        _forwardKernel ??= cl.Kernel(typeof(EmbedLayer).Assembly, "EmbedLayer.cl", "embed_forward");
        int rows = bottom[0].Count;
        IDeviceMemory w = Blobs[0].DeviceData();
        // Without a bias the kernel never reads b; any buffer will do for the argument.
        IDeviceMemory b = _bias ? Blobs[1].DeviceData() : w;
        _forwardKernel.Arg(0, rows).Arg(1, _numOutput).Arg(2, _inputDim).Arg(3, _bias ? 1 : 0).Arg(4, bottom[0].DeviceData()).Arg(5, w)
            .Arg(6, b).Arg(7, top[0].MutableDeviceData()).Launch((long)rows * _numOutput);
    }

    /// <inheritdoc />
    protected override void BackwardDevice(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (Backend is not OpenCLBackend cl)
        {
            BackwardCpu(top, propagateDown, bottom);
            return;
        }
        if (propagateDown[0])
        {
            throw Error($"cannot back-propagate to its input '{bottom[0].Name}': indices have no gradient.");
        }
        int rows = bottom[0].Count;
        IDeviceMemory dy = top[0].DeviceDiff();
        if (ParamPropagateDown[0])
        {
            _weightDiffKernel ??= cl.Kernel(typeof(EmbedLayer).Assembly, "EmbedLayer.cl", "embed_weight_diff");
            _weightDiffKernel.Arg(0, rows).Arg(1, _numOutput).Arg(2, _inputDim).Arg(3, bottom[0].DeviceData()).Arg(4, dy)
                .Arg(5, Blobs[0].MutableDeviceDiff()).Launch(_numOutput);
        }
        if (_bias && ParamPropagateDown[1])
        {
            cl.DeviceMath.ColumnSum(rows, _numOutput, 1f, dy, 0, 1f, Blobs[1].MutableDeviceDiff(), 0);
        }
    }
}
