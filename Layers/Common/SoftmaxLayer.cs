using Engine.Memory;
using Engine.Backends.OpenCL;
using System.Numerics.Tensors;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Softmax over <c>axis</c> (default 1): y_c = exp(x_c − max) / Σ exp(x − max), every other index independent.
/// Gradient: dx = y ⊙ (dy − Σ_c dy_c·y_c).
/// </summary>
[Layer("Softmax", Summary = "Softmax over an axis (numerically stable).")]
public sealed class SoftmaxLayer : Layer
{
    private int _outer;
    private int _channels;
    private int _inner;
    private OpenCLKernel? _forwardKernel;
    private OpenCLKernel? _backwardKernel;

    /// <summary>Creates the layer.</summary>
    public SoftmaxLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    public override int ExactNumBottomBlobs => 1;

    /// <inheritdoc />
    public override int ExactNumTopBlobs => 1;

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        int axis = CanonicalAxis(bottom[0], Param.SoftmaxParam?.Axis ?? 1);
        _outer = bottom[0].CountRange(0, axis);
        _channels = bottom[0].ShapeAt(axis);
        _inner = bottom[0].CountFrom(axis + 1);
        top[0].ReshapeLike(bottom[0]);
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
        => SoftmaxMath.Forward(bottom[0].Data, top[0].MutableData, _outer, _channels, _inner);

    /// <inheritdoc />
    protected override void BackwardCpu(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!propagateDown[0])
        {
            return;
        }
        ReadOnlySpan<float> y = top[0].Data;
        ReadOnlySpan<float> dy = top[0].Diff;
        Span<float> dx = bottom[0].MutableDiff;
        int block = _channels * _inner;
        for (int o = 0; o < _outer; o++)
        {
            if (_inner == 1)
            {
                ReadOnlySpan<float> yr = y.Slice(o * block, block), dyr = dy.Slice(o * block, block);
                Span<float> dxr = dx.Slice(o * block, block);
                float dot = TensorPrimitives.Dot(yr, dyr);
                TensorPrimitives.Subtract(dyr, dot, dxr);
                TensorPrimitives.Multiply(dxr, yr, dxr);
                continue;
            }
            for (int i = 0; i < _inner; i++)
            {
                int baseIndex = o * block + i;
                float dot = 0f;
                for (int c = 0; c < _channels; c++)
                {
                    dot += y[baseIndex + c * _inner] * dy[baseIndex + c * _inner];
                }
                for (int c = 0; c < _channels; c++)
                {
                    int idx = baseIndex + c * _inner;
                    dx[idx] = y[idx] * (dy[idx] - dot);
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
        _forwardKernel ??= cl.Kernel(typeof(SoftmaxLayer).Assembly, "SoftmaxLayer.cl", "softmax_forward");
        IDeviceMemory x = bottom[0].DeviceData();
        _forwardKernel.Arg(0, _outer).Arg(1, _channels).Arg(2, _inner).Arg(3, x).Arg(4, top[0].MutableDeviceData()).Launch((long)_outer * _inner);
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
        _backwardKernel ??= cl.Kernel(typeof(SoftmaxLayer).Assembly, "SoftmaxLayer.cl", "softmax_backward");
        IDeviceMemory y = top[0].DeviceData(), dy = top[0].DeviceDiff();
        _backwardKernel.Arg(0, _outer).Arg(1, _channels).Arg(2, _inner).Arg(3, y).Arg(4, dy).Arg(5, bottom[0].MutableDeviceDiff())
            .Launch((long)_outer * _inner);
    }
}

/// <summary>Softmax kernels shared by Softmax and SoftmaxWithLoss.</summary>
internal static class SoftmaxMath
{
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, int outer, int channels, int inner)
    {
        int block = channels * inner;
        for (int o = 0; o < outer; o++)
        {
            if (inner == 1)
            {
                ReadOnlySpan<float> xr = x.Slice(o * block, block);
                Span<float> yr = y.Slice(o * block, block);
                float max = TensorPrimitives.Max(xr);
                TensorPrimitives.Subtract(xr, max, yr);
                TensorPrimitives.Exp(yr, yr);
                float sum = TensorPrimitives.Sum(yr);
                TensorPrimitives.Divide(yr, sum, yr);
                continue;
            }
            for (int i = 0; i < inner; i++)
            {
                int baseIndex = o * block + i;
                float max = float.NegativeInfinity;
                for (int c = 0; c < channels; c++)
                {
                    max = MathF.Max(max, x[baseIndex + c * inner]);
                }
                float sum = 0f;
                for (int c = 0; c < channels; c++)
                {
                    float e = MathF.Exp(x[baseIndex + c * inner] - max);
                    y[baseIndex + c * inner] = e;
                    sum += e;
                }
                float inv = 1f / sum;
                for (int c = 0; c < channels; c++)
                {
                    y[baseIndex + c * inner] *= inv;
                }
            }
        }
    }
}
