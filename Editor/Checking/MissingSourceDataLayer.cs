using Engine.Proto;

namespace Engine.Editor.Checking;

/// <summary>
/// Stands in for a data layer whose source is missing: emits the shapes the definition allows us to know, with each
/// unknown axis set to a placeholder. The checker builds the net twice with different placeholders; whatever differs
/// between the builds depends on the data and is shown as <c>?</c>.
/// </summary>
internal sealed class MissingSourceDataLayer : Layer
{
    private readonly int?[][] _shapes;
    private readonly int _run;

    /// <summary>Creates the stand-in for <paramref name="param"/>; <paramref name="run"/> (0 or 1) picks the placeholders.</summary>
    public MissingSourceDataLayer(LayerParameter param, int?[][] shapes, int run)
        : base(param)
    {
        _shapes = shapes;
        _run = run;
    }

    /// <inheritdoc />
    public override int ExactNumBottomBlobs => 0;

    /// <inheritdoc />
    public override int MinTopBlobs => 1;

    /// <inheritdoc />
    public override int MaxTopBlobs => _shapes.Length;

    /// <summary>Placeholder for an unknown channel axis in each run (small, as channel counts are).</summary>
    public static int PlaceholderChannels(int run) => run == 0 ? 3 : 5;

    /// <summary>Placeholder for another unknown axis in each run (large enough for typical kernels and strides).</summary>
    public static int PlaceholderExtent(int run) => run == 0 ? 256 : 289;

    /// <inheritdoc />
    public override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (_shapes[0][0] is not > 0)
        {
            throw Error("batch_size must be > 0.");
        }
        for (int i = 0; i < top.Count; i++)
        {
            int?[] known = _shapes[i];
            var dims = new int[known.Length];
            for (int a = 0; a < dims.Length; a++)
            {
                dims[a] = known[a] ?? (a == 1 ? PlaceholderChannels(_run) : PlaceholderExtent(_run));
            }
            top[i].Reshape(dims);
        }
    }

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
        => throw Error("has no data source; this net was built for checking shapes only.");
}
