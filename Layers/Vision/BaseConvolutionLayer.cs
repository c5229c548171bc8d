using Engine.Fillers;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Shared machinery of Convolution and Deconvolution: parameter parsing, weight/bias blobs and the per-image GEMMs
/// over an im2col buffer. The "convolution" seen by the GEMMs maps an image with <c>convIn</c> channels on the
/// image side to <c>convOut</c> channels on the column side; Deconvolution swaps which of bottom/top is which.
/// Per group g: output_g (convOut/g × colSpatial) = W_g (convOut/g × kernelDim) · col_g (kernelDim × colSpatial).
/// </summary>
public abstract partial class BaseConvolutionLayer : Layer
{
    /// <summary>Images of a batch are split into at most this many fixed chunks, whatever the thread count, so that the
    /// weight gradient (summed per chunk, then over chunks in chunk order) is the same on any number of threads.</summary>
    private const int MaxChunks = 8;

    /// <summary>Floats of one chunk's side-by-side column buffer (512 KB): with <see cref="MaxChunks"/> chunks the buffers stay
    /// within 4 MB, and the buffer stays in a core's L2 between im2col, the two GEMMs and col2im (1 MB measured slower).</summary>
    private const int BatchColumnBudget = 1 << 17;

    private float[] _columns = [];
    private int _columnCount;
    private float[][] _chunkColumns = [];
    private float[] _weightPartials = [];
    private int[] _bottomSpatial = [];
    private int[] _topSpatial = [];
    private int _channels;
    private int _convIn;
    private int _convOut;
    private int _kernelDim;
    private int _colSpatial;
    private int _topSpatialCount;
    private int _weightOffset;
    private int _colOffset;
    private int _outputOffset;

    private Func<string, Exception>? _errorFactory;

    /// <summary>Creates the layer.</summary>
    protected BaseConvolutionLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    public override int MinBottomBlobs => 1;

    /// <inheritdoc />
    public override int MinTopBlobs => 1;

    /// <inheritdoc />
    public override bool EqualNumBottomTopBlobs => true;

    /// <summary>True for Deconvolution: the bottom is the column side and the top the image side.</summary>
    protected abstract bool ReverseDimensions { get; }

    internal ConvolutionGeometry Geometry { get; private set; } = null!;

    /// <summary>Number of outputs (num_output).</summary>
    protected int NumOutput { get; private set; }

    /// <summary>Number of groups.</summary>
    protected int Group { get; private set; }

    /// <summary>Whether there is a bias blob.</summary>
    protected bool BiasTerm { get; private set; }

    /// <summary>Product of the axes before the channel axis (images per bottom).</summary>
    protected int Num { get; private set; }

    /// <summary>Values per image in a bottom.</summary>
    protected int BottomDim { get; private set; }

    /// <summary>Values per image in a top.</summary>
    protected int TopDim { get; private set; }

    /// <summary>Spatial positions per image of the top.</summary>
    protected int TopSpatialCount => _topSpatialCount;

    /// <summary>Channels of the bottom.</summary>
    protected int Channels => _channels;

    /// <summary>Multiply-adds per image of one forward GEMM pass (all groups).</summary>
    protected long MacsPerImage => (long)_convOut * _colSpatial * _kernelDim;

    /// <inheritdoc />
    public override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ConvolutionParameter p = Param.ConvolutionParam ?? new ConvolutionParameter();
        Geometry = ConvolutionGeometry.Parse(p, bottom[0], Error);
        if (p.NumOutput == 0)
        {
            throw Error("convolution_param.num_output must be greater than 0.");
        }
        if (p.Group == 0)
        {
            throw Error("convolution_param.group must be greater than 0.");
        }
        NumOutput = (int)p.NumOutput;
        Group = (int)p.Group;
        BiasTerm = p.BiasTerm;
        _channels = bottom[0].ShapeAt(Geometry.ChannelAxis);
        if (_channels % Group != 0)
        {
            throw Error($"input channels ({_channels}, axis {Geometry.ChannelAxis} of bottom '{bottom[0].Name}' of shape {bottom[0].ShapeString}) are not divisible by group {Group}.");
        }
        if (NumOutput % Group != 0)
        {
            throw Error($"num_output {NumOutput} is not divisible by group {Group}.");
        }
        (_convIn, _convOut) = ReverseDimensions ? (NumOutput, _channels) : (_channels, NumOutput);
        int spatial = Geometry.NumSpatialAxes;
        _bottomSpatial = new int[spatial];
        _topSpatial = new int[spatial];

        // Weight (convOut, convIn/g, k...): Convolution (num_output, C/g, k...), Deconvolution (C, num_output/g, k...).
        int[] weightShape = new int[2 + spatial];
        weightShape[0] = _convOut;
        weightShape[1] = _convIn / Group;
        Geometry.Kernel.CopyTo(weightShape, 2);
        if (Blobs.Count > 0)
        {
            int expected = BiasTerm ? 2 : 1;
            if (Blobs.Count != expected || !Blobs[0].Shape.SequenceEqual(weightShape) || (BiasTerm && Blobs[1].Count != NumOutput))
            {
                throw Error($"existing parameter blobs do not match: weight must be {Blob.Format(weightShape)}, got {Blobs[0].ShapeString}.");
            }
            return;
        }
        var weight = new Blob(weightShape, Name + "/weight", Backend);
        Filler.Fill(weight, p.WeightFiller, Random);
        Blobs.Add(weight);
        if (BiasTerm)
        {
            var bias = new Blob([NumOutput], Name + "/bias", Backend);
            Filler.Fill(bias, p.BiasFiller, Random);
            Blobs.Add(bias);
        }
    }

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ConvolutionGeometry g = Geometry;
        int axis = g.ChannelAxis;
        Blob b0 = bottom[0];
        if (b0.NumAxes != axis + 1 + g.NumSpatialAxes)
        {
            throw Error($"bottom '{b0.Name}' has shape {b0.ShapeString}; the layer was set up for {axis + 1 + g.NumSpatialAxes} axes.");
        }
        if (b0.ShapeAt(axis) != _channels)
        {
            throw Error($"bottom '{b0.Name}' of shape {b0.ShapeString} has {b0.ShapeAt(axis)} channels; the weights expect {_channels}.");
        }
        for (int i = 1; i < bottom.Count; i++)
        {
            if (!bottom[i].ShapeEquals(b0))
            {
                throw Error($"all bottoms must have the same shape: '{b0.Name}' is {b0.ShapeString}, '{bottom[i].Name}' is {bottom[i].ShapeString}.");
            }
        }
        for (int i = 0; i < g.NumSpatialAxes; i++)
        {
            _bottomSpatial[i] = b0.ShapeAt(axis + 1 + i);
        }
        if (ReverseDimensions)
        {
            g.DeconvolutionOutput(_bottomSpatial, _topSpatial, b0, ErrorFactory);
        }
        else
        {
            g.ConvolutionOutput(_bottomSpatial, _topSpatial, b0, ErrorFactory);
        }
        Span<int> topShape = stackalloc int[b0.NumAxes];
        b0.Shape[..axis].CopyTo(topShape);
        topShape[axis] = NumOutput;
        _topSpatial.CopyTo(topShape[(axis + 1)..]);
        for (int i = 0; i < top.Count; i++)
        {
            top[i].Reshape(topShape);
        }
        Num = b0.CountRange(0, axis);
        BottomDim = b0.CountFrom(axis);
        TopDim = top[0].CountFrom(axis);
        _topSpatialCount = top[0].CountFrom(axis + 1);
        _colSpatial = Product(ColumnShape);
        _kernelDim = _convIn / Group * g.KernelCount;
        _weightOffset = _convOut / Group * _kernelDim;
        _colOffset = _kernelDim * _colSpatial;
        _outputOffset = _convOut / Group * _colSpatial;
        // The buffer grows on the first pass that needs it, not here: shape-only builds (engine check) reshape nets far
        // larger than they will ever run and must not pay for their im2col memory.
        _columnCount = g.Is1x1 ? 0 : _kernelDim * Group * _colSpatial;
    }

    /// <summary>The im2col buffer of the current shapes (grows only, so a net of fixed shapes allocates on its first pass only).</summary>
    private float[] Columns
    {
        get
        {
            if (_columns.Length < _columnCount)
            {
                _columns = new float[_columnCount];
            }
            return _columns;
        }
    }

    /// <summary>Number of fixed image chunks of the batch (see <see cref="MaxChunks"/>).</summary>
    private protected int ChunkCount => Math.Max(1, Math.Min(Num, MaxChunks));

    /// <summary>First image of chunk <paramref name="chunk"/>; the chunk ends where the next begins.</summary>
    private protected int ChunkStart(int chunk) => (int)((long)chunk * Num / ChunkCount);

    /// <summary>
    /// Whether the backward pass runs the GEMMs of several images at once over side-by-side columns (2-D im2col on the CPU).
    /// </summary>
    private protected bool BatchesBackward => Geometry.Uses2D && !Geometry.Is1x1 && Ops is Backends.Cpu.CpuMath;

    /// <summary>Images whose columns share one batched GEMM: as many of a chunk as fit <see cref="BatchColumnBudget"/>.</summary>
    private protected int BatchImages
    {
        get
        {
            int chunkImages = (Num + ChunkCount - 1) / ChunkCount;
            int perImage = Math.Max(1, _kernelDim * Group * _colSpatial);
            return Math.Clamp(BatchColumnBudget / perImage, 1, Math.Max(1, chunkImages));
        }
    }

    /// <summary>
    /// Grows the per-chunk column buffers and weight-gradient partials to the current shapes. Called from the CPU passes of
    /// Convolution before they split a batch; grows only, so a net of fixed shapes allocates on its first pass only.
    /// </summary>
    private protected void EnsureChunkBuffers(bool weightPartials)
    {
        int chunks = ChunkCount;
        int columns = Geometry.Is1x1 ? 0 : _kernelDim * Group * _colSpatial;
        if (BatchesBackward)
        {
            // Side-by-side columns of a batch of images, then the batch's top diff laid out the same way.
            columns = (columns + _convOut * _colSpatial) * BatchImages;
        }
        if (_chunkColumns.Length < chunks)
        {
            Array.Resize(ref _chunkColumns, chunks);
        }
        for (int c = 0; c < chunks; c++)
        {
            if (_chunkColumns[c] is null || _chunkColumns[c].Length < columns)
            {
                _chunkColumns[c] = new float[columns];
            }
        }
        if (weightPartials && _weightPartials.Length < chunks * Blobs[0].Count)
        {
            _weightPartials = new float[chunks * Blobs[0].Count];
        }
    }

    /// <summary>Column buffer of chunk <paramref name="chunk"/> (only one thread works on a chunk at a time).</summary>
    private protected Span<float> ChunkColumns(int chunk) => _chunkColumns[chunk];

    /// <summary>Weight-gradient partial sum of chunk <paramref name="chunk"/>.</summary>
    private protected Span<float> WeightPartial(int chunk) => _weightPartials.AsSpan(chunk * Blobs[0].Count, Blobs[0].Count);

    /// <summary>Spatial shape of the image side (the bottom for Convolution, the top for Deconvolution).</summary>
    private ReadOnlySpan<int> ImageShape => ReverseDimensions ? _topSpatial : _bottomSpatial;

    /// <summary>Spatial shape of the column side.</summary>
    private ReadOnlySpan<int> ColumnShape => ReverseDimensions ? _bottomSpatial : _topSpatial;

    private static int Product(ReadOnlySpan<int> dims)
    {
        int p = 1;
        foreach (int d in dims)
        {
            p *= d;
        }
        return p;
    }

    /// <summary>output = W · im2col(image) for one image (image side → column side).</summary>
    private protected void ForwardGemm(ReadOnlySpan<float> image, ReadOnlySpan<float> weights, Span<float> output, bool columnsReady = false)
        => ForwardGemm(image, weights, output, Columns, columnsReady);

    /// <summary>output = W · im2col(image) for one image, with <paramref name="columns"/> as the column buffer.</summary>
    private protected void ForwardGemm(ReadOnlySpan<float> image, ReadOnlySpan<float> weights, Span<float> output, Span<float> columns, bool columnsReady = false)
    {
        ReadOnlySpan<float> col = image;
        if (!Geometry.Is1x1)
        {
            if (!columnsReady)
            {
                Geometry.Im2Col(Ops, image, _convIn, ImageShape, ColumnShape, columns);
            }
            col = columns;
        }
        int m = _convOut / Group;
        for (int g = 0; g < Group; g++)
        {
            Ops.Gemm(false, false, m, _colSpatial, _kernelDim, 1f, weights.Slice(g * _weightOffset, _weightOffset),
                col.Slice(g * _colOffset, _colOffset), 0f, output.Slice(g * _outputOffset, _outputOffset));
        }
    }

    /// <summary>image = col2im(Wᵀ · output) for one image (column side → image side, overwriting).</summary>
    private protected void BackwardGemm(ReadOnlySpan<float> output, ReadOnlySpan<float> weights, Span<float> image)
        => BackwardGemm(output, weights, image, Columns);

    /// <summary>image = col2im(Wᵀ · output) for one image, with <paramref name="columns"/> as the column buffer.</summary>
    private protected void BackwardGemm(ReadOnlySpan<float> output, ReadOnlySpan<float> weights, Span<float> image, Span<float> columns)
    {
        Span<float> col = Geometry.Is1x1 ? image : columns;
        int m = _convOut / Group;
        for (int g = 0; g < Group; g++)
        {
            Ops.Gemm(true, false, _kernelDim, _colSpatial, m, 1f, weights.Slice(g * _weightOffset, _weightOffset),
                output.Slice(g * _outputOffset, _outputOffset), 0f, col.Slice(g * _colOffset, _colOffset));
        }
        if (!Geometry.Is1x1)
        {
            Geometry.Col2Im(Ops, columns, _convIn, ImageShape, ColumnShape, image);
        }
    }

    /// <summary>weightDiff += output · im2col(image)ᵀ for one image; leaves the columns of <paramref name="image"/> in the buffer.</summary>
    private protected void WeightGemm(ReadOnlySpan<float> image, ReadOnlySpan<float> output, Span<float> weightDiff)
        => WeightGemm(image, output, weightDiff, Columns, 1f);

    /// <summary>weightDiff = output · im2col(image)ᵀ + beta · weightDiff, with <paramref name="columns"/> as the column buffer.</summary>
    private protected void WeightGemm(ReadOnlySpan<float> image, ReadOnlySpan<float> output, Span<float> weightDiff, Span<float> columns, float beta)
    {
        ReadOnlySpan<float> col = image;
        if (!Geometry.Is1x1)
        {
            Geometry.Im2Col(Ops, image, _convIn, ImageShape, ColumnShape, columns);
            col = columns;
        }
        int m = _convOut / Group;
        for (int g = 0; g < Group; g++)
        {
            Ops.Gemm(false, true, m, _kernelDim, _colSpatial, 1f, output.Slice(g * _outputOffset, _outputOffset),
                col.Slice(g * _colOffset, _colOffset), beta, weightDiff.Slice(g * _weightOffset, _weightOffset));
        }
    }

    /// <summary>
    /// The backward GEMMs of <paramref name="count"/> consecutive images at once. Their top diffs are laid side by side
    /// ([convOut, count·colSpatial]) and so are their columns, so the weight gradient is one GEMM with K = count·colSpatial
    /// (weightDiff = dy·colᵀ + beta·weightDiff) and the data gradient one GEMM that packs W once, followed by col2im per image.
    /// </summary>
    private protected void BackwardBatch(ReadOnlySpan<float> images, ReadOnlySpan<float> topDiff, ReadOnlySpan<float> weights,
        Span<float> imageDiff, int count, Span<float> scratch, Span<float> weightDiff, float beta, bool weightGrad, bool bottomGrad)
    {
        int s = _colSpatial;
        int ld = count * s;
        int colRows = _kernelDim * Group;
        Span<float> columns = scratch.Slice(0, colRows * ld);
        Span<float> dyCat = scratch.Slice(colRows * ld, _convOut * ld);
        int topDim = _convOut * s;
        for (int j = 0; j < count; j++)
        {
            ReadOnlySpan<float> dy = topDiff.Slice(j * topDim, topDim);
            for (int r = 0; r < _convOut; r++)
            {
                dy.Slice(r * s, s).CopyTo(dyCat.Slice(r * ld + j * s, s));
            }
        }
        int height = ImageShape[0], width = ImageShape[1];
        int imageDim = _convIn * height * width;
        int m = _convOut / Group;
        var pool = ((Backends.Cpu.CpuMath)Ops).Pool;
        if (weightGrad)
        {
            for (int j = 0; j < count; j++)
            {
                StridedColumns.Im2Col(images.Slice(j * imageDim, imageDim), _convIn, height, width, Geometry, columns[(j * s)..], ld);
            }
            bool dots = LongDotProducts.Suits(m, _kernelDim, ld);
            for (int g = 0; g < Group; g++)
            {
                if (dots)
                {
                    LongDotProducts.Multiply(m, _kernelDim, ld, dyCat[(g * m * ld)..], ld, columns[(g * _kernelDim * ld)..], ld, beta,
                        weightDiff.Slice(g * _weightOffset, _weightOffset), _kernelDim);
                    continue;
                }
                Backends.Cpu.Sgemm.Multiply(false, true, m, _kernelDim, ld, 1f, dyCat[(g * m * ld)..], ld,
                    columns[(g * _kernelDim * ld)..], ld, beta, weightDiff.Slice(g * _weightOffset, _weightOffset), _kernelDim, pool);
            }
        }
        if (bottomGrad)
        {
            for (int g = 0; g < Group; g++)
            {
                Backends.Cpu.Sgemm.Multiply(true, false, _kernelDim, ld, m, 1f, weights.Slice(g * _weightOffset, _weightOffset), _kernelDim,
                    dyCat[(g * m * ld)..], ld, 0f, columns[(g * _kernelDim * ld)..], ld, pool);
            }
            for (int j = 0; j < count; j++)
            {
                StridedColumns.Col2Im(columns[(j * s)..], ld, _convIn, height, width, Geometry, imageDiff.Slice(j * imageDim, imageDim));
            }
        }
    }

    /// <summary>Adds the bias of each output channel to one top image.</summary>
    private protected void ForwardBias(Span<float> top, ReadOnlySpan<float> bias)
    {
        for (int o = 0; o < NumOutput; o++)
        {
            Ops.AddScalar(bias[o], top.Slice(o * _topSpatialCount, _topSpatialCount));
        }
    }

    /// <summary>biasDiff += per-channel sums of one top image's diff.</summary>
    private protected void BackwardBias(Span<float> biasDiff, ReadOnlySpan<float> topDiff)
    {
        for (int o = 0; o < NumOutput; o++)
        {
            biasDiff[o] += Ops.Sum(topDiff.Slice(o * _topSpatialCount, _topSpatialCount));
        }
    }

    /// <inheritdoc />
    public override long ForwardFlops(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
        => bottom.Count * Num * (2L * MacsPerImage + (BiasTerm ? (long)NumOutput * _topSpatialCount : 0));

    /// <summary>Cached so that reshaping on every forward does not allocate a delegate.</summary>
    private Func<string, Exception> ErrorFactory => _errorFactory ??= Error;
}
