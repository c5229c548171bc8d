using Engine.Memory;
using Engine.Backends.OpenCL;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Element-wise combination of ≥ 2 bottoms of identical shape. SUM: y = Σ cᵢ·xᵢ (coefficients default 1);
/// PROD: y = Π xᵢ, dxᵢ = dy·Π_{j≠i} xⱼ (the forward inputs are the cached values the gradient needs);
/// MAX: y = max xᵢ, the gradient goes to the winner (ties: bottom 0 and 1 go to 1; later bottoms must be strictly greater).
/// </summary>
[Layer("Eltwise", Summary = "Element-wise SUM (with coefficients), PROD or MAX of several bottoms.")]
public sealed class EltwiseLayer : Layer
{
    private readonly Blob _argmax = new("argmax");
    private EltwiseParameter.Types.EltwiseOp _op;
    private float[] _coeffs = [];
    private Blob? _deviceArgmax;
    private OpenCLKernel? _maxForwardKernel;
    private OpenCLKernel? _maxBackwardKernel;

    /// <summary>Creates the layer.</summary>
    public EltwiseLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    public override int MinBottomBlobs => 2;

    /// <inheritdoc />
    public override int ExactNumTopBlobs => 1;

    /// <inheritdoc />
    public override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        EltwiseParameter p = Param.EltwiseParam ?? new EltwiseParameter();
        _op = p.Operation;
        if (p.Coeff.Count > 0 && _op != EltwiseParameter.Types.EltwiseOp.Sum)
        {
            throw Error("coefficients are only allowed with operation SUM.");
        }
        if (p.Coeff.Count > 0 && p.Coeff.Count != bottom.Count)
        {
            throw Error($"has {p.Coeff.Count} coefficient(s) for {bottom.Count} bottoms; give one per bottom or none.");
        }
        _coeffs = new float[bottom.Count];
        for (int i = 0; i < bottom.Count; i++)
        {
            _coeffs[i] = p.Coeff.Count > 0 ? p.Coeff[i] : 1f;
        }
    }

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        for (int i = 1; i < bottom.Count; i++)
        {
            if (!bottom[i].ShapeEquals(bottom[0]))
            {
                throw Error($"bottoms must have the same shape: '{bottom[0].Name}' is {bottom[0].ShapeString}, '{bottom[i].Name}' is {bottom[i].ShapeString}.");
            }
        }
        top[0].ReshapeLike(bottom[0]);
        if (_op == EltwiseParameter.Types.EltwiseOp.Max)
        {
            _argmax.ReshapeLike(bottom[0]);
        }
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        Span<float> y = top[0].MutableData;
        switch (_op)
        {
            case EltwiseParameter.Types.EltwiseOp.Sum:
                Ops.Scale(_coeffs[0], bottom[0].Data, y);
                for (int i = 1; i < bottom.Count; i++)
                {
                    Ops.Axpy(_coeffs[i], bottom[i].Data, y);
                }
                break;
            case EltwiseParameter.Types.EltwiseOp.Prod:
                Ops.Mul(bottom[0].Data, bottom[1].Data, y);
                for (int i = 2; i < bottom.Count; i++)
                {
                    Ops.Mul(y, bottom[i].Data, y);
                }
                break;
            default:
            {
                Span<float> arg = _argmax.MutableData;
                ReadOnlySpan<float> a = bottom[0].Data, b = bottom[1].Data;
                for (int k = 0; k < y.Length; k++)
                {
                    bool second = b[k] >= a[k];
                    y[k] = second ? b[k] : a[k];
                    arg[k] = second ? 1 : 0;
                }
                for (int i = 2; i < bottom.Count; i++)
                {
                    ReadOnlySpan<float> x = bottom[i].Data;
                    for (int k = 0; k < y.Length; k++)
                    {
                        if (x[k] > y[k])
                        {
                            y[k] = x[k];
                            arg[k] = i;
                        }
                    }
                }
                break;
            }
        }
    }

    /// <inheritdoc />
    protected override void BackwardCpu(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        ReadOnlySpan<float> dy = top[0].Diff;
        for (int i = 0; i < bottom.Count; i++)
        {
            if (!propagateDown[i])
            {
                continue;
            }
            Span<float> dx = bottom[i].MutableDiff;
            switch (_op)
            {
                case EltwiseParameter.Types.EltwiseOp.Sum:
                    Ops.Scale(_coeffs[i], dy, dx);
                    break;
                case EltwiseParameter.Types.EltwiseOp.Prod:
                    {
                        // Always the product of the other inputs rather than y / xᵢ (stable_prod_grad's choice), so a
                        // zero input still gets a correct gradient; the flag is accepted for compatibility.
                        bool first = true;
                        for (int j = 0; j < bottom.Count; j++)
                        {
                            if (j == i)
                            {
                                continue;
                            }
                            if (first)
                            {
                                bottom[j].Data.CopyTo(dx);
                                first = false;
                            }
                            else
                            {
                                Ops.Mul(dx, bottom[j].Data, dx);
                            }
                        }
                    }
                    Ops.Mul(dx, dy, dx);
                    break;
                default:
                {
                    ReadOnlySpan<float> arg = _argmax.Data;
                    for (int k = 0; k < dx.Length; k++)
                    {
                        dx[k] = arg[k] == i ? dy[k] : 0f;
                    }
                    break;
                }
            }
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _argmax.Dispose();
        _deviceArgmax?.Dispose();
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
        OpenCLMath math = cl.DeviceMath;
        int n = top[0].Count;
        IDeviceMemory y = top[0].MutableDeviceData();
        switch (_op)
        {
            case EltwiseParameter.Types.EltwiseOp.Sum:
                math.Scale(n, _coeffs[0], bottom[0].DeviceData(), 0, y, 0);
                for (int i = 1; i < bottom.Count; i++)
                {
                    math.Axpy(n, _coeffs[i], bottom[i].DeviceData(), 0, y, 0);
                }
                break;
            case EltwiseParameter.Types.EltwiseOp.Prod:
                math.Mul(n, bottom[0].DeviceData(), 0, bottom[1].DeviceData(), 0, y, 0);
                for (int i = 2; i < bottom.Count; i++)
                {
                    math.Mul(n, y, 0, bottom[i].DeviceData(), 0, y, 0);
                }
                break;
            default:
            {
                _maxForwardKernel ??= cl.Kernel(typeof(EltwiseLayer).Assembly, "EltwiseLayer.cl", "eltwise_max_forward");
                _deviceArgmax ??= new Blob("argmax", Backend);
                _deviceArgmax.ReshapeLike(bottom[0]);
                IDeviceMemory arg = _deviceArgmax.MutableDeviceData();
                for (int i = 1; i < bottom.Count; i++)
                {
                    IDeviceMemory a = bottom[0].DeviceData(), b = bottom[i].DeviceData();
                    _maxForwardKernel.Arg(0, n).Arg(1, i == 1 ? 1 : 0).Arg(2, i).Arg(3, a).Arg(4, b).Arg(5, y).Arg(6, arg).Launch(n);
                }
                break;
            }
        }
    }

    /// <inheritdoc />
    protected override void BackwardDevice(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (Backend is not OpenCLBackend cl)
        {
            BackwardCpu(top, propagateDown, bottom);
            return;
        }
        OpenCLMath math = cl.DeviceMath;
        int n = top[0].Count;
        IDeviceMemory dy = top[0].DeviceDiff();
        for (int i = 0; i < bottom.Count; i++)
        {
            if (!propagateDown[i])
            {
                continue;
            }
            IDeviceMemory dx = bottom[i].MutableDeviceDiff();
            switch (_op)
            {
                case EltwiseParameter.Types.EltwiseOp.Sum:
                    math.Scale(n, _coeffs[i], dy, 0, dx, 0);
                    break;
                case EltwiseParameter.Types.EltwiseOp.Prod:
                {
                    // The product of the other inputs (not y / xᵢ), as on the CPU path.
                    bool first = true;
                    for (int j = 0; j < bottom.Count; j++)
                    {
                        if (j == i)
                        {
                            continue;
                        }
                        if (first)
                        {
                            math.Copy(n, bottom[j].DeviceData(), 0, dx, 0);
                            first = false;
                        }
                        else
                        {
                            math.Mul(n, dx, 0, bottom[j].DeviceData(), 0, dx, 0);
                        }
                    }
                    math.Mul(n, dx, 0, dy, 0, dx, 0);
                    break;
                }
                default:
                    if (_deviceArgmax is null)
                    {
                        throw Error("backward ran before forward: the MAX winners are not known.");
                    }
                    _maxBackwardKernel ??= cl.Kernel(typeof(EltwiseLayer).Assembly, "EltwiseLayer.cl", "eltwise_max_backward");
                    _maxBackwardKernel.Arg(0, n).Arg(1, i).Arg(2, _deviceArgmax.DeviceData()).Arg(3, dy).Arg(4, dx).Launch(n);
                    break;
            }
        }
    }
}
