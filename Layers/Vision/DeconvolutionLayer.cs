using Engine.Backends.OpenCL;
using Engine.Memory;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Deconvolution (transposed convolution): the exact adjoint of a Convolution with the same parameters, plus a bias.
/// Weight (C_in, num_output/g, k...), bias (num_output). Out size per axis: s(in − 1) + e − 2p.
/// Forward is the convolution's data gradient; the bottom gradient is a convolution of the top diff.
/// </summary>
[Layer("Deconvolution", Summary = "Transposed convolution (adjoint of Convolution) with groups, dilation, stride, pad and bias.")]
public sealed class DeconvolutionLayer : BaseConvolutionLayer
{
    /// <summary>Creates the layer.</summary>
    public DeconvolutionLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    protected override bool ReverseDimensions => true;

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
                BackwardGemm(x.Slice(n * BottomDim, BottomDim), weights, yn);
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
                    // The top diff is the image side here: dW += x · im2col(dy)ᵀ.
                    WeightGemm(dyn, x.Slice(n * BottomDim, BottomDim), Blobs[0].MutableDiff);
                }
                if (propagateDown[i])
                {
                    // WeightGemm just left im2col(dy) in the column buffer.
                    ForwardGemm(dyn, Blobs[0].Data, bottom[i].MutableDiff.Slice(n * BottomDim, BottomDim), columnsReady: weightGrad);
                }
            }
        }
    }

    /// <inheritdoc />
    private protected override void DeviceImageForward(OpenCLMath math, IDeviceMemory x, int offX, IDeviceMemory w, IDeviceMemory y, int offY)
        => DeviceBackwardGemm(math, x, offX, w, y, offY);

    /// <inheritdoc />
    private protected override void DeviceImageWeightGradient(OpenCLMath math, IDeviceMemory x, int offX, IDeviceMemory dy, int offY, IDeviceMemory dw)
        => DeviceWeightGemm(math, dy, offY, x, offX, dw); // the top diff is the image side here: dW += x · im2col(dy)ᵀ

    /// <inheritdoc />
    private protected override void DeviceImageInputGradient(OpenCLMath math, IDeviceMemory dy, int offY, IDeviceMemory w, IDeviceMemory dx, int offX,
        bool afterWeightGradient)
        => DeviceForwardGemm(math, dy, offY, w, dx, offX, columnsReady: afterWeightGradient); // the weight step left im2col(dy) in the column buffer
}
