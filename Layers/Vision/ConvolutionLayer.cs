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
}
