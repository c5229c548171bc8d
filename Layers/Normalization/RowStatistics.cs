using Engine.Backends.OpenCL;
using Engine.Memory;

namespace Engine.Layers;

/// <summary>How <see cref="RowStatistics"/> turns a row's variance into its scale, and which gradient it takes.</summary>
internal enum RowNormalization
{
    /// <summary>invStd = 1/√(σ² + eps), exact gradient (BatchNorm in training, LayerNorm).</summary>
    InverseSqrtVariance = 0,

    /// <summary>invStd = 1/(σ + eps), exact gradient (MVN with normalize_variance).</summary>
    InverseStdPlusEps = 1,

    /// <summary>Subtract the mean only (MVN without normalize_variance).</summary>
    MeanOnly = 2,

    /// <summary>Statistics given (BatchNorm with use_global_stats): dx = dy·invStd.</summary>
    Fixed = 3,
}

/// <summary>
/// Which elements form a row: element j of row r is at r·RowStride + (j / Inner)·OuterStride + j % Inner, and each
/// row has Count elements. Contiguous rows: (rows, length, length, length, 0); channels of (N, C, S): (C, N·S, S, S, C·S).
/// </summary>
internal readonly record struct RowLayout(int Rows, int Count, int RowStride, int Inner, int OuterStride)
{
    public int Total => Rows * Count;
}

/// <summary>
/// Device side of the normalisation layers (kernels of RowStatistics.cl): per-row mean/variance/scale, the normalised
/// output (kept for backward) and the exact gradient. Scratch blobs live on the device and grow only.
/// </summary>
internal sealed class RowStatistics : IDisposable
{
    private const string File = "RowStatistics.cl";
    private const int Group = 64;

    private readonly OpenCLKernel _moments;
    private readonly OpenCLKernel _normalize;
    private readonly OpenCLKernel _gradientMoments;
    private readonly OpenCLKernel _backward;

    public RowStatistics(OpenCLBackend cl)
    {
        System.Reflection.Assembly assembly = typeof(RowStatistics).Assembly;
        _moments = cl.Kernel(assembly, File, "row_moments");
        _normalize = cl.Kernel(assembly, File, "row_normalize");
        _gradientMoments = cl.Kernel(assembly, File, "row_gradient_moments");
        _backward = cl.Kernel(assembly, File, "row_normalize_backward");
        Mean = new Blob("row_mean", cl);
        Variance = new Blob("row_variance", cl);
        InvStd = new Blob("row_inv_std", cl);
        MeanDy = new Blob("row_mean_dy", cl);
        MeanDyY = new Blob("row_mean_dy_y", cl);
        Normalized = new Blob("row_normalized", cl);
    }

    /// <summary>Per-row mean.</summary>
    public Blob Mean { get; }

    /// <summary>Per-row biased variance.</summary>
    public Blob Variance { get; }

    /// <summary>Per-row scale applied after subtracting the mean.</summary>
    public Blob InvStd { get; }

    private Blob MeanDy { get; }

    private Blob MeanDyY { get; }

    /// <summary>The normalised output of the last forward (the top may be overwritten by in-place layers after it).</summary>
    private Blob Normalized { get; }

    /// <summary>Sizes the scratch blobs for <paramref name="layout"/> (no allocation when the shapes repeat).</summary>
    public void Reshape(RowLayout layout)
    {
        Span<int> shape = stackalloc int[1];
        shape[0] = Math.Max(layout.Rows, 1);
        Mean.Reshape(shape);
        Variance.Reshape(shape);
        InvStd.Reshape(shape);
        MeanDy.Reshape(shape);
        MeanDyY.Reshape(shape);
        shape[0] = Math.Max(layout.Total, 1);
        Normalized.Reshape(shape);
    }

    /// <summary>Computes Mean, Variance and InvStd of every row of <paramref name="x"/>.</summary>
    public void Moments(RowLayout layout, IDeviceMemory x, RowNormalization mode, float eps)
    {
        if (layout.Count == 0)
        {
            return;
        }
        _moments.Arg(0, layout.Count).Arg(1, layout.RowStride).Arg(2, layout.Inner).Arg(3, layout.OuterStride).Arg(4, (int)mode).Arg(5, eps)
            .Arg(6, x).Arg(7, Mean.MutableDeviceData()).Arg(8, Variance.MutableDeviceData()).Arg(9, InvStd.MutableDeviceData())
            .Launch((long)layout.Rows * Group, Group);
    }

    /// <summary>y = (x − Mean)·InvStd, also kept for <see cref="Backward"/>.</summary>
    public void Normalize(RowLayout layout, IDeviceMemory x, IDeviceMemory y)
        => _normalize.Arg(0, layout.Total).Arg(1, layout.Inner).Arg(2, layout.Rows).Arg(3, x).Arg(4, Mean.DeviceData())
            .Arg(5, InvStd.DeviceData()).Arg(6, y).Arg(7, Normalized.MutableDeviceData()).Launch(layout.Total);

    /// <summary>dx from dy and the last forward's normalised output and statistics.</summary>
    public void Backward(RowLayout layout, RowNormalization mode, IDeviceMemory dy, IDeviceMemory dx)
    {
        if (mode != RowNormalization.Fixed && layout.Count > 0)
        {
            _gradientMoments.Arg(0, layout.Count).Arg(1, layout.RowStride).Arg(2, layout.Inner).Arg(3, layout.OuterStride)
                .Arg(4, dy).Arg(5, Normalized.DeviceData()).Arg(6, MeanDy.MutableDeviceData()).Arg(7, MeanDyY.MutableDeviceData())
                .Launch((long)layout.Rows * Group, Group);
        }
        _backward.Arg(0, layout.Total).Arg(1, layout.Inner).Arg(2, layout.Rows).Arg(3, (int)mode).Arg(4, dy).Arg(5, Normalized.DeviceData())
            .Arg(6, MeanDy.DeviceData()).Arg(7, MeanDyY.DeviceData()).Arg(8, InvStd.DeviceData()).Arg(9, Variance.DeviceData()).Arg(10, dx)
            .Launch(layout.Total);
    }

    public void Dispose()
    {
        Mean.Dispose();
        Variance.Dispose();
        InvStd.Dispose();
        MeanDy.Dispose();
        MeanDyY.Dispose();
        Normalized.Dispose();
    }
}
