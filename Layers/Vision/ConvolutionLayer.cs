using Engine.Backends.Cpu;
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
public sealed class ConvolutionLayer : BaseConvolutionLayer, Engine.Embedding.IFusesMaxPool2x2
{
    /// <summary>Creates the layer.</summary>
    public ConvolutionLayer(LayerParameter param)
        : base(param)
    {
    }

    // Image and output sizes for the direct (im2col-free) forward path, when the geometry allows it.
    private bool _direct;
    private int _height;
    private int _width;

    /// <inheritdoc />
    protected override bool ReverseDimensions => false;

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        base.Reshape(bottom, top);
        int axis = Geometry.ChannelAxis;
        _direct = Geometry.Uses2D && DirectConvolution.Supports(Geometry, Group, top[0].ShapeAt(axis + 1), top[0].ShapeAt(axis + 2));
        if (_direct)
        {
            _height = bottom[0].ShapeAt(axis + 1);
            _width = bottom[0].ShapeAt(axis + 2);
        }
    }

    bool Engine.Embedding.IFusesMaxPool2x2.CanFuseMaxPool2x2(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top) =>
        _direct && bottom.Count == 1 && top.Count == 1 && Backend is not OpenCLBackend
        && DirectConvolution.SupportsMaxPool2x2(Geometry, Group, top[0].ShapeAt(Geometry.ChannelAxis + 1), top[0].ShapeAt(Geometry.ChannelAxis + 2));

    unsafe void Engine.Embedding.IFusesMaxPool2x2.ForwardFusedMaxPool2x2(IReadOnlyList<Blob> bottom, Blob pooled)
    {
        int pooledDim = pooled.CountFrom(Geometry.ChannelAxis);
        fixed (float* x = bottom[0].Data, y = pooled.MutableData, w = Blobs[0].Data, b = BiasTerm ? Blobs[1].Data : default)
        {
            for (int n = 0; n < Num; n++)
            {
                DirectConvolution.ForwardMaxPool2x2(x + (long)n * BottomDim, Channels, _height, _width, w, BiasTerm ? b : null,
                    NumOutput, Geometry.Kernel[0], Geometry.Kernel[1], y + (long)n * pooledDim);
            }
        }
    }

    /// <inheritdoc />
    protected override unsafe void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        EnsureChunkBuffers(weightPartials: false);
        ReadOnlySpan<float> weights = Blobs[0].Data;
        ReadOnlySpan<float> bias = BiasTerm ? Blobs[1].Data : default;
        for (int i = 0; i < bottom.Count; i++)
        {
            fixed (float* x = bottom[i].Data, y = top[i].MutableData, w = weights, b = bias)
            {
                var body = new ChunkBody { Layer = this, Forward = true, X = x, Y = y, W = w, Bias = b };
                RunChunks(ref body);
            }
        }
    }

    /// <inheritdoc />
    protected override unsafe void BackwardCpu(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
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
            EnsureChunkBuffers(weightPartials: weightGrad);
            // Each chunk sums its images' weight gradients in image order into its own partial; the partials are then added
            // to the diff in chunk order, so the result does not depend on which thread ran which chunk.
            Span<float> dx = propagateDown[i] ? bottom[i].MutableDiff : default;
            fixed (float* x = bottom[i].Data, dyp = dy, w = Blobs[0].Data, dxp = dx)
            {
                var body = new ChunkBody
                {
                    Layer = this, Forward = false, X = x, Dy = dyp, W = w, Dx = dxp,
                    WeightGrad = weightGrad, BottomGrad = propagateDown[i],
                };
                RunChunks(ref body);
            }
            if (weightGrad)
            {
                Span<float> dw = Blobs[0].MutableDiff;
                for (int c = 0; c < ChunkCount; c++)
                {
                    Ops.Axpy(1f, WeightPartial(c), dw);
                }
            }
        }
    }

    private void RunChunks(ref ChunkBody body)
    {
        if (Ops is CpuMath cpu)
        {
            cpu.Pool.For(ChunkCount, ref body);
            return;
        }
        for (int c = 0; c < ChunkCount; c++)
        {
            body.Invoke(c);
        }
    }

    private unsafe void RunChunk(in ChunkBody body, int chunk)
    {
        Span<float> columns = ChunkColumns(chunk);
        int first = ChunkStart(chunk), end = ChunkStart(chunk + 1);
        int weightCount = Blobs[0].Count;
        var weights = new ReadOnlySpan<float>(body.W, weightCount);
        if (!body.Forward && BatchesBackward)
        {
            int batch = BatchImages;
            for (int n = first; n < end; n += batch)
            {
                int count = Math.Min(batch, end - n);
                var dx = body.BottomGrad ? new Span<float>(body.Dx + (long)n * BottomDim, count * BottomDim) : default;
                BackwardBatch(new ReadOnlySpan<float>(body.X + (long)n * BottomDim, count * BottomDim),
                    new ReadOnlySpan<float>(body.Dy + (long)n * TopDim, count * TopDim), weights, dx, count, columns,
                    body.WeightGrad ? WeightPartial(chunk) : default, n == first ? 0f : 1f, body.WeightGrad, body.BottomGrad);
            }
            return;
        }
        for (int n = first; n < end; n++)
        {
            var image = new ReadOnlySpan<float>(body.X + (long)n * BottomDim, BottomDim);
            if (body.Forward && _direct)
            {
                DirectConvolution.Forward(body.X + (long)n * BottomDim, Channels, _height, _width, body.W, BiasTerm ? body.Bias : null,
                    NumOutput, Geometry.Kernel[0], Geometry.Kernel[1], body.Y + (long)n * TopDim);
                continue;
            }
            if (body.Forward)
            {
                var output = new Span<float>(body.Y + (long)n * TopDim, TopDim);
                ForwardGemm(image, weights, output, columns);
                if (BiasTerm)
                {
                    ForwardBias(output, new ReadOnlySpan<float>(body.Bias, NumOutput));
                }
                continue;
            }
            var dyn = new ReadOnlySpan<float>(body.Dy + (long)n * TopDim, TopDim);
            if (body.WeightGrad)
            {
                WeightGemm(image, dyn, WeightPartial(chunk), columns, n == first ? 0f : 1f);
            }
            if (body.BottomGrad)
            {
                BackwardGemm(dyn, weights, new Span<float>(body.Dx + (long)n * BottomDim, BottomDim), columns);
            }
        }
    }

    /// <summary>One pass over the images of a chunk; pointers because the pool runs it from other threads (spans cannot be fields).</summary>
    private unsafe struct ChunkBody : IParallelBody
    {
        public ConvolutionLayer Layer;
        public bool Forward;
        public bool WeightGrad;
        public bool BottomGrad;
        public float* X;
        public float* Y;
        public float* W;
        public float* Bias;
        public float* Dy;
        public float* Dx;

        public readonly void Invoke(int index) => Layer.RunChunk(in this, index);
    }

    /// <inheritdoc />
    private protected override void DeviceImageForward(OpenCLMath math, IDeviceMemory x, int offX, IDeviceMemory w, IDeviceMemory y, int offY)
        => DeviceForwardGemm(math, x, offX, w, y, offY);

    /// <inheritdoc />
    private protected override void DeviceImageWeightGradient(OpenCLMath math, IDeviceMemory x, int offX, IDeviceMemory dy, int offY, IDeviceMemory dw)
        => DeviceWeightGemm(math, x, offX, dy, offY, dw);

    /// <inheritdoc />
    private protected override void DeviceImageInputGradient(OpenCLMath math, IDeviceMemory dy, int offY, IDeviceMemory w, IDeviceMemory dx, int offX,
        bool afterWeightGradient)
        => DeviceBackwardGemm(math, dy, offY, w, dx, offX);
}
