using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Merges axes <c>axis</c>..<c>end_axis</c> (defaults 1 and −1) into one. The top shares the bottom's data (no copy);
/// backward copies the diff back, so the layer also works where diffs are written separately.
/// </summary>
[Layer("Flatten", Summary = "Collapses a range of axes into one; shares data with the bottom.")]
public sealed class FlattenLayer : ShapeViewLayer
{
    /// <summary>Creates the layer.</summary>
    public FlattenLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        Blob x = bottom[0];
        if (ReferenceEquals(top[0], x))
        {
            throw Error($"top '{x.Name}' cannot be the bottom: Flatten does not run in place.");
        }
        FlattenParameter p = Param.FlattenParam ?? new FlattenParameter();
        int start = CanonicalAxis(x, p.Axis);
        int end = CanonicalAxis(x, p.EndAxis);
        if (end < start)
        {
            throw Error($"end_axis {p.EndAxis} comes before axis {p.Axis} for bottom '{x.Name}' of shape {x.ShapeString}.");
        }
        Span<int> shape = stackalloc int[x.NumAxes - (end - start)];
        int k = 0;
        for (int a = 0; a < start; a++)
        {
            shape[k++] = x.Shape[a];
        }
        shape[k++] = x.CountRange(start, end + 1);
        for (int a = end + 1; a < x.NumAxes; a++)
        {
            shape[k++] = x.Shape[a];
        }
        top[0].Reshape(shape);
        top[0].ShareData(x);
    }
}
