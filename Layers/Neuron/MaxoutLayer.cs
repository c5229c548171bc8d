using Engine.Memory;
using Engine.Backends.OpenCL;
using Engine.Fillers;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Maxout (Engine extension, Goodfellow et al.): k = <c>num_pieces</c> linear pieces per output, and the output is the largest,
/// y_{n,j} = max_{p&lt;k} (W_{jk+p}·x_n + b_{jk+p}), where x_n flattens the bottom's axes from 1 on (K values).
/// Weight shape (num_output·k, K), bias (num_output·k); top (N, num_output).
/// The gradient flows only through the winning piece (the first one on ties): dW_w += dy·x, db_w += dy, dx += dy·W_w.
/// </summary>
[Layer("Maxout", Summary = "Max over num_pieces linear pieces per output (maxout unit); Engine extension.")]
public sealed class MaxoutLayer : Layer
{
    private readonly Blob _pieces = new("pieces");
    private int[] _winner = [];
    private int _m;
    private int _k;
    private int _outputs;
    private int _numPieces;
    private Blob? _devicePieces;
    private Blob? _winnerDevice;
    private OpenCLKernel? _forwardKernel;
    private OpenCLKernel? _routeKernel;

    /// <summary>Creates the layer.</summary>
    public MaxoutLayer(LayerParameter param)
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
        MaxoutParameter p = Param.MaxoutParam ?? new MaxoutParameter();
        if (p.NumOutput == 0 || p.NumPieces == 0)
        {
            throw Error($"maxout_param.num_output and maxout_param.num_pieces must both be greater than 0 (got {p.NumOutput} and {p.NumPieces}).");
        }
        if (bottom[0].NumAxes < 1)
        {
            throw Error($"needs a bottom with a batch axis, but '{bottom[0].Name}' has shape {bottom[0].ShapeString}.");
        }
        _outputs = (int)p.NumOutput;
        _numPieces = (int)p.NumPieces;
        _k = bottom[0].CountFrom(1);
        int rows = _outputs * _numPieces;
        if (Blobs.Count == 0)
        {
            var weight = new Blob([rows, _k], Name + "/weight", Backend);
            Filler.Fill(weight, p.WeightFiller, Random);
            Blobs.Add(weight);
            var bias = new Blob([rows], Name + "/bias", Backend);
            Filler.Fill(bias, p.BiasFiller, Random);
            Blobs.Add(bias);
        }
        if (Blobs.Count != 2 || Blobs[0].Count != rows * _k || Blobs[1].Count != rows)
        {
            throw Error($"expects weight ({rows}, {_k}) and bias ({rows}) for bottom '{bottom[0].Name}' of shape {bottom[0].ShapeString}, "
                + $"got {string.Join(" and ", Blobs.Select(b => b.ShapeString))}.");
        }
    }

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        Blob x = bottom[0];
        int k = x.NumAxes < 1 ? 0 : x.CountFrom(1);
        if (k != _k)
        {
            throw Error($"input size changed: bottom '{x.Name}' of shape {x.ShapeString} gives {k} inputs per row, the weights {Blobs[0].ShapeString} expect {_k}.");
        }
        _m = x.ShapeAt(0);
        top[0].Reshape(_m, _outputs);
        _pieces.Reshape(_m, _outputs * _numPieces);
        if (_winner.Length < _m * _outputs)
        {
            _winner = new int[_m * _outputs];
        }
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        int rows = _outputs * _numPieces;
        Span<float> z = _pieces.MutableData;
        Ops.Gemm(false, true, _m, rows, _k, 1f, bottom[0].Data, Blobs[0].Data, 0f, z);
        ReadOnlySpan<float> b = Blobs[1].Data;
        Span<float> y = top[0].MutableData;
        for (int n = 0; n < _m; n++)
        {
            Span<float> zn = z.Slice(n * rows, rows);
            Ops.Add(zn, b, zn);
            for (int j = 0; j < _outputs; j++)
            {
                int best = j * _numPieces;
                for (int p = best + 1; p < (j + 1) * _numPieces; p++)
                {
                    if (zn[p] > zn[best])
                    {
                        best = p;
                    }
                }
                _winner[n * _outputs + j] = best;
                y[n * _outputs + j] = zn[best];
            }
        }
    }

    /// <inheritdoc />
    protected override void BackwardCpu(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        int rows = _outputs * _numPieces;
        // Route dy to the winning pieces; the rest of the piece gradient is 0. Then it is an inner product's backward.
        Span<float> dz = _pieces.MutableDiff;
        dz.Clear();
        ReadOnlySpan<float> dy = top[0].Diff;
        for (int n = 0; n < _m; n++)
        {
            for (int j = 0; j < _outputs; j++)
            {
                dz[n * rows + _winner[n * _outputs + j]] = dy[n * _outputs + j];
            }
        }
        if (ParamPropagateDown[0])
        {
            Ops.Gemm(true, false, rows, _k, _m, 1f, dz, bottom[0].Data, 1f, Blobs[0].MutableDiff);
        }
        if (ParamPropagateDown[1])
        {
            Span<float> db = Blobs[1].MutableDiff;
            for (int n = 0; n < _m; n++)
            {
                Ops.Add(db, dz.Slice(n * rows, rows), db);
            }
        }
        if (propagateDown[0])
        {
            Ops.Gemm(false, false, _m, _k, rows, 1f, dz, Blobs[0].Data, 0f, bottom[0].MutableDiff);
        }
    }

    /// <inheritdoc />
    public override long ForwardFlops(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top) => 2L * _m * _outputs * _numPieces * _k;

    /// <inheritdoc />
    protected override void ForwardDevice(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (Backend is not OpenCLBackend cl)
        {
            ForwardCpu(bottom, top);
            return;
        }
        _forwardKernel ??= cl.Kernel(typeof(MaxoutLayer).Assembly, "MaxoutLayer.cl", "maxout_forward");
        int rows = _outputs * _numPieces;
        EnsureDeviceScratch(cl);
        IDeviceMemory z = _devicePieces!.MutableDeviceData();
        cl.DeviceMath.Gemm(false, true, _m, rows, _k, 1f, bottom[0].DeviceData(), 0, Blobs[0].DeviceData(), 0, 0f, z, 0);
        _forwardKernel.Arg(0, _m).Arg(1, _outputs).Arg(2, _numPieces).Arg(3, z).Arg(4, Blobs[1].DeviceData())
            .Arg(5, top[0].MutableDeviceData()).Arg(6, _winnerDevice!.MutableDeviceData()).Launch((long)_m * _outputs);
    }

    /// <inheritdoc />
    protected override void BackwardDevice(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (Backend is not OpenCLBackend cl || _devicePieces is null || _winnerDevice is null)
        {
            BackwardCpu(top, propagateDown, bottom);
            return;
        }
        _routeKernel ??= cl.Kernel(typeof(MaxoutLayer).Assembly, "MaxoutLayer.cl", "maxout_route");
        int rows = _outputs * _numPieces;
        IDeviceMemory dz = _devicePieces.MutableDeviceDiff();
        _routeKernel.Arg(0, _m).Arg(1, _outputs).Arg(2, _numPieces).Arg(3, top[0].DeviceDiff()).Arg(4, _winnerDevice.DeviceData())
            .Arg(5, dz).Launch((long)_m * rows);
        OpenCLMath math = cl.DeviceMath;
        if (ParamPropagateDown[0])
        {
            math.Gemm(true, false, rows, _k, _m, 1f, dz, 0, bottom[0].DeviceData(), 0, 1f, Blobs[0].MutableDeviceDiff(), 0);
        }
        if (ParamPropagateDown[1])
        {
            math.ColumnSum(_m, rows, 1f, dz, 0, 1f, Blobs[1].MutableDeviceDiff(), 0);
        }
        if (propagateDown[0])
        {
            math.Gemm(false, false, _m, _k, rows, 1f, dz, 0, Blobs[0].DeviceData(), 0, 0f, bottom[0].MutableDeviceDiff(), 0);
        }
    }

    // The host scratch blobs belong to the CPU backend; the device path keeps its own, on this layer's backend.
    private void EnsureDeviceScratch(OpenCLBackend cl)
    {
        _devicePieces ??= new Blob("pieces", cl);
        _winnerDevice ??= new Blob("winner", cl);
        _devicePieces.ReshapeLike(_pieces);
        Span<int> shape = stackalloc int[2];
        shape[0] = _m;
        shape[1] = _outputs;
        _winnerDevice.Reshape(shape);
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _pieces.Dispose();
        _devicePieces?.Dispose();
        _winnerDevice?.Dispose();
        base.Dispose();
    }
}
