using Engine.Backends.OpenCL;
using Engine.Memory;

namespace Engine.Layers;

/// <summary>The OpenCL counterparts of the per-image GEMMs: the same products over device buffers (offsets select an image).</summary>
public abstract partial class BaseConvolutionLayer
{
    private Blob? _deviceColumns;
    private DeviceImageColumns? _deviceIm2Col;
    private OpenCLKernel? _biasForward;
    private OpenCLKernel? _biasBackward;

    /// <summary>Whether the device kernels cover this geometry (1 to 3 spatial axes); otherwise the layer runs its CPU path.</summary>
    private protected bool DeviceSupported => DeviceImageColumns.Supports(Geometry);

    /// <summary>Fetches the kernels (once) and sizes the device column buffer for the current shapes.</summary>
    private protected OpenCLMath PrepareDevice(OpenCLBackend cl)
    {
        _deviceIm2Col ??= new DeviceImageColumns(cl);
        System.Reflection.Assembly assembly = typeof(BaseConvolutionLayer).Assembly;
        _biasForward ??= cl.Kernel(assembly, "ConvolutionLayer.cl", "conv_bias_forward");
        _biasBackward ??= cl.Kernel(assembly, "ConvolutionLayer.cl", "conv_bias_backward");
        _deviceColumns ??= new Blob("columns", Backend);
        Span<int> shape = stackalloc int[1];
        shape[0] = Geometry.Is1x1 ? 1 : _kernelDim * Group * _colSpatial;
        _deviceColumns.Reshape(shape);
        return cl.DeviceMath;
    }

    /// <summary>output = W · im2col(image) for the image at <paramref name="offImage"/> (image side → column side).</summary>
    private protected void DeviceForwardGemm(OpenCLMath math, IDeviceMemory image, int offImage, IDeviceMemory weights,
        IDeviceMemory output, int offOutput, bool columnsReady = false)
    {
        (IDeviceMemory col, int offCol) = (image, offImage);
        if (!Geometry.Is1x1)
        {
            col = _deviceColumns!.MutableDeviceData();
            offCol = 0;
            if (!columnsReady)
            {
                _deviceIm2Col!.Im2Col(Geometry, _convIn, ImageShape, ColumnShape, image, offImage, col, 0);
            }
        }
        int m = _convOut / Group;
        for (int g = 0; g < Group; g++)
        {
            math.Gemm(false, false, m, _colSpatial, _kernelDim, 1f, weights, g * _weightOffset, col, offCol + g * _colOffset,
                0f, output, offOutput + g * _outputOffset);
        }
    }

    /// <summary>image = col2im(Wᵀ · output) for one image (column side → image side, overwriting).</summary>
    private protected void DeviceBackwardGemm(OpenCLMath math, IDeviceMemory output, int offOutput, IDeviceMemory weights,
        IDeviceMemory image, int offImage)
    {
        (IDeviceMemory col, int offCol) = Geometry.Is1x1 ? (image, offImage) : (_deviceColumns!.MutableDeviceData(), 0);
        int m = _convOut / Group;
        for (int g = 0; g < Group; g++)
        {
            math.Gemm(true, false, _kernelDim, _colSpatial, m, 1f, weights, g * _weightOffset, output, offOutput + g * _outputOffset,
                0f, col, offCol + g * _colOffset);
        }
        if (!Geometry.Is1x1)
        {
            _deviceIm2Col!.Col2Im(Geometry, _convIn, ImageShape, ColumnShape, col, 0, image, offImage);
        }
    }

    /// <summary>weightDiff += output · im2col(image)ᵀ for one image; leaves the columns of the image in the buffer.</summary>
    private protected void DeviceWeightGemm(OpenCLMath math, IDeviceMemory image, int offImage, IDeviceMemory output, int offOutput,
        IDeviceMemory weightDiff)
    {
        (IDeviceMemory col, int offCol) = (image, offImage);
        if (!Geometry.Is1x1)
        {
            col = _deviceColumns!.MutableDeviceData();
            offCol = 0;
            _deviceIm2Col!.Im2Col(Geometry, _convIn, ImageShape, ColumnShape, image, offImage, col, 0);
        }
        int m = _convOut / Group;
        for (int g = 0; g < Group; g++)
        {
            math.Gemm(false, true, m, _kernelDim, _colSpatial, 1f, output, offOutput + g * _outputOffset, col, offCol + g * _colOffset,
                1f, weightDiff, g * _weightOffset);
        }
    }

    /// <summary>Adds the bias of each output channel to every image of a top.</summary>
    private protected void DeviceForwardBias(IDeviceMemory top)
        => _biasForward!.Arg(0, Num * TopDim).Arg(1, NumOutput).Arg(2, _topSpatialCount).Arg(3, Blobs[1].DeviceData()).Arg(4, top)
            .Launch((long)Num * TopDim);

    /// <summary>biasDiff += per-channel sums of a top's diff over the batch.</summary>
    private protected void DeviceBackwardBias(IDeviceMemory topDiff)
        => _biasBackward!.Arg(0, Num).Arg(1, NumOutput).Arg(2, _topSpatialCount).Arg(3, topDiff).Arg(4, Blobs[1].MutableDeviceDiff())
            .Launch(NumOutput);

    /// <inheritdoc />
    public override void Dispose()
    {
        _deviceColumns?.Dispose();
        base.Dispose();
    }

    /// <summary>y = layer(x) for the image at the given offsets (convolution and deconvolution swap the image and column sides).</summary>
    private protected abstract void DeviceImageForward(OpenCLMath math, IDeviceMemory x, int offX, IDeviceMemory w, IDeviceMemory y, int offY);

    /// <summary>dW += the weight gradient of one image.</summary>
    private protected abstract void DeviceImageWeightGradient(OpenCLMath math, IDeviceMemory x, int offX, IDeviceMemory dy, int offY, IDeviceMemory dw);

    /// <summary>dx = the input gradient of one image; <paramref name="afterWeightGradient"/>: the weight step just ran for this image.</summary>
    private protected abstract void DeviceImageInputGradient(OpenCLMath math, IDeviceMemory dy, int offY, IDeviceMemory w, IDeviceMemory dx, int offX,
        bool afterWeightGradient);

    /// <inheritdoc />
    protected override void ForwardDevice(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (Backend is not OpenCLBackend cl || !DeviceSupported)
        {
            ForwardCpu(bottom, top); // more than three spatial axes: no device kernels.
            return;
        }
        OpenCLMath math = PrepareDevice(cl);
        IDeviceMemory w = Blobs[0].DeviceData();
        for (int i = 0; i < bottom.Count; i++)
        {
            IDeviceMemory x = bottom[i].DeviceData();
            IDeviceMemory y = top[i].MutableDeviceData();
            for (int n = 0; n < Num; n++)
            {
                DeviceImageForward(math, x, n * BottomDim, w, y, n * TopDim);
            }
            if (BiasTerm)
            {
                DeviceForwardBias(y);
            }
        }
    }

    /// <inheritdoc />
    protected override void BackwardDevice(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (Backend is not OpenCLBackend cl || !DeviceSupported)
        {
            BackwardCpu(top, propagateDown, bottom);
            return;
        }
        OpenCLMath math = PrepareDevice(cl);
        bool weightGrad = ParamPropagateDown[0];
        bool biasGrad = BiasTerm && ParamPropagateDown[1];
        for (int i = 0; i < top.Count; i++)
        {
            IDeviceMemory dy = top[i].DeviceDiff();
            if (biasGrad)
            {
                DeviceBackwardBias(dy);
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
                    DeviceImageWeightGradient(math, x, n * BottomDim, dy, n * TopDim, dw);
                }
                if (dx is not null)
                {
                    DeviceImageInputGradient(math, dy, n * TopDim, w, dx, n * BottomDim, afterWeightGradient: dw is not null);
                }
            }
        }
    }
}
