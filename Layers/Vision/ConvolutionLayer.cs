using Engine.Backends.OpenCL;
using Engine.Memory;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// N-D convolution (cross-correlation, as Caffe) over the axes after <c>axis</c>, with groups, dilation, per-axis
/// kernel/stride/pad and an optional bias. Several bottoms give as many tops, all with the same weights.
/// Weight (num_output, C/g, k...), bias (num_output). Out size per axis: floor((in + 2p − e)/s) + 1, e = d(k−1)+1.
/// Gradients per image: dW += dy·colᵀ, db += Σ dy, dx = col2im(Wᵀ·dy).
/// </summary>
[Layer("Convolution", Summary = "N-D convolution with groups, dilation, stride, pad and bias (Caffe semantics).")]
public sealed class ConvolutionLayer : BaseConvolutionLayer
{
    // Device path: the column buffer of one image, and the kernels of ConvolutionLayer.cl.
    private Blob? _deviceColumns;
    private OpenCLKernel? _im2col;
    private OpenCLKernel? _col2im;
    private OpenCLKernel? _biasForward;
    private OpenCLKernel? _biasBackward;

    /// <summary>Creates the layer.</summary>
    public ConvolutionLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    protected override bool ReverseDimensions => false;

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ReadOnlySpan<float> weights = Blobs[0].Data;
        for (int i = 0; i < bottom.Count; i++)
        {
            ReadOnlySpan<float> x = bottom[i].Data;
            Span<float> y = top[i].MutableData;
            for (int n = 0; n < Num; n++)
            {
                Span<float> yn = y.Slice(n * TopDim, TopDim);
                ForwardGemm(x.Slice(n * BottomDim, BottomDim), weights, yn);
                if (BiasTerm)
                {
                    ForwardBias(yn, Blobs[1].Data);
                }
            }
        }
    }

    /// <inheritdoc />
    protected override void BackwardCpu(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        bool weightGrad = ParamPropagateDown[0];
        bool biasGrad = BiasTerm && ParamPropagateDown[1];
        for (int i = 0; i < top.Count; i++)
        {
            ReadOnlySpan<float> dy = top[i].Diff;
            if (biasGrad)
            {
                Span<float> db = Blobs[1].MutableDiff;
                for (int n = 0; n < Num; n++)
                {
                    BackwardBias(db, dy.Slice(n * TopDim, TopDim));
                }
            }
            if (!weightGrad && !propagateDown[i])
            {
                continue;
            }
            ReadOnlySpan<float> x = bottom[i].Data;
            for (int n = 0; n < Num; n++)
            {
                ReadOnlySpan<float> dyn = dy.Slice(n * TopDim, TopDim);
                if (weightGrad)
                {
                    WeightGemm(x.Slice(n * BottomDim, BottomDim), dyn, Blobs[0].MutableDiff);
                }
                if (propagateDown[i])
                {
                    BackwardGemm(dyn, Blobs[0].Data, bottom[i].MutableDiff.Slice(n * BottomDim, BottomDim));
                }
            }
        }
    }

    /// <inheritdoc />
    protected override void ForwardDevice(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (Backend is not OpenCLBackend cl || !Geometry.Uses2D)
        {
            ForwardCpu(bottom, top); // N-D convolution has no device kernels yet.
            return;
        }
        PrepareDevice(cl, bottom[0]);
        OpenCLMath math = cl.DeviceMath;
        IDeviceMemory w = Blobs[0].DeviceData();
        IDeviceMemory cols = _deviceColumns!.MutableDeviceData();
        int m = NumOutput / Group, kernelDim = KernelDim, spatial = TopSpatialCount;
        for (int i = 0; i < bottom.Count; i++)
        {
            IDeviceMemory x = bottom[i].DeviceData();
            IDeviceMemory y = top[i].MutableDeviceData();
            for (int n = 0; n < Num; n++)
            {
                Im2Col(bottom[i], top[i], x, n * BottomDim, cols);
                for (int g = 0; g < Group; g++)
                {
                    math.Gemm(false, false, m, spatial, kernelDim, 1f, w, g * m * kernelDim, cols, g * kernelDim * spatial,
                        0f, y, n * TopDim + g * m * spatial);
                }
            }
            if (BiasTerm)
            {
                _biasForward!.Arg(0, Num * TopDim).Arg(1, NumOutput).Arg(2, spatial).Arg(3, Blobs[1].DeviceData()).Arg(4, y).Launch((long)Num * TopDim);
            }
        }
    }

    /// <inheritdoc />
    protected override void BackwardDevice(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (Backend is not OpenCLBackend cl || !Geometry.Uses2D)
        {
            BackwardCpu(top, propagateDown, bottom);
            return;
        }
        PrepareDevice(cl, bottom[0]);
        OpenCLMath math = cl.DeviceMath;
        bool weightGrad = ParamPropagateDown[0];
        bool biasGrad = BiasTerm && ParamPropagateDown[1];
        int m = NumOutput / Group, kernelDim = KernelDim, spatial = TopSpatialCount;
        IDeviceMemory cols = _deviceColumns!.MutableDeviceData();
        for (int i = 0; i < top.Count; i++)
        {
            IDeviceMemory dy = top[i].DeviceDiff();
            if (biasGrad)
            {
                _biasBackward!.Arg(0, Num).Arg(1, NumOutput).Arg(2, spatial).Arg(3, dy).Arg(4, Blobs[1].MutableDeviceDiff()).Launch(NumOutput);
            }
            if (!weightGrad && !propagateDown[i])
            {
                continue;
            }
            IDeviceMemory x = bottom[i].DeviceData();
            IDeviceMemory? dw = weightGrad ? Blobs[0].MutableDeviceDiff() : null;
            IDeviceMemory w = Blobs[0].DeviceData();
            IDeviceMemory? dx = propagateDown[i] ? bottom[i].MutableDeviceDiff() : null;
            for (int n = 0; n < Num; n++)
            {
                if (dw is not null)
                {
                    Im2Col(bottom[i], top[i], x, n * BottomDim, cols);
                    for (int g = 0; g < Group; g++)
                    {
                        math.Gemm(false, true, m, kernelDim, spatial, 1f, dy, n * TopDim + g * m * spatial, cols, g * kernelDim * spatial,
                            1f, dw, g * m * kernelDim);
                    }
                }
                if (dx is not null)
                {
                    for (int g = 0; g < Group; g++)
                    {
                        math.Gemm(true, false, kernelDim, spatial, m, 1f, w, g * m * kernelDim, dy, n * TopDim + g * m * spatial,
                            0f, cols, g * kernelDim * spatial);
                    }
                    Col2Im(bottom[i], top[i], cols, dx, n * BottomDim);
                }
            }
        }
    }

    private int KernelDim => Channels / Group * Geometry.Kernel[0] * Geometry.Kernel[1];

    private void PrepareDevice(OpenCLBackend cl, Blob bottom)
    {
        System.Reflection.Assembly assembly = typeof(ConvolutionLayer).Assembly;
        _im2col ??= cl.Kernel(assembly, "ConvolutionLayer.cl", "im2col_2d");
        _col2im ??= cl.Kernel(assembly, "ConvolutionLayer.cl", "col2im_2d");
        _biasForward ??= cl.Kernel(assembly, "ConvolutionLayer.cl", "conv_bias_forward");
        _biasBackward ??= cl.Kernel(assembly, "ConvolutionLayer.cl", "conv_bias_backward");
        _deviceColumns ??= new Blob("columns", Backend);
        Span<int> shape = stackalloc int[1];
        shape[0] = KernelDim * Group * TopSpatialCount;
        _deviceColumns.Reshape(shape);
    }

    private void SetGeometry(OpenCLKernel kernel, Blob bottom, Blob top)
    {
        ConvolutionGeometry g = Geometry;
        int axis = g.ChannelAxis;
        kernel.Arg(0, Channels).Arg(1, bottom.ShapeAt(axis + 1)).Arg(2, bottom.ShapeAt(axis + 2))
            .Arg(3, g.Kernel[0]).Arg(4, g.Kernel[1]).Arg(5, g.Pad[0]).Arg(6, g.Pad[1]).Arg(7, g.Stride[0]).Arg(8, g.Stride[1])
            .Arg(9, g.Dilation[0]).Arg(10, g.Dilation[1]).Arg(11, top.ShapeAt(axis + 1)).Arg(12, top.ShapeAt(axis + 2));
    }

    private void Im2Col(Blob bottom, Blob top, IDeviceMemory image, int offset, IDeviceMemory columns)
    {
        SetGeometry(_im2col!, bottom, top);
        _im2col!.Arg(13, image).Arg(14, offset).Arg(15, columns).Launch((long)KernelDim * Group * TopSpatialCount);
    }

    private void Col2Im(Blob bottom, Blob top, IDeviceMemory columns, IDeviceMemory image, int offset)
    {
        SetGeometry(_col2im!, bottom, top);
        _col2im!.Arg(13, columns).Arg(14, image).Arg(15, offset).Launch(BottomDim);
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _deviceColumns?.Dispose();
        base.Dispose();
    }
}
