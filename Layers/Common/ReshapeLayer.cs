using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Gives the bottom a new shape without copying: <c>reshape_param.shape</c> replaces the bottom axes
/// [<c>axis</c>, <c>axis</c>+<c>num_axes</c>) (defaults: all axes); a 0 copies the bottom's dimension at that position
/// and one −1 is inferred from the count. Backward copies the diff back.
/// </summary>
[Layer("Reshape", Summary = "Changes the shape (0 = keep a dim, -1 = infer); shares data with the bottom.")]
public sealed class ReshapeLayer : ShapeViewLayer
{
    private int[] _dims = [];
    private int _inferred = -1;

    /// <summary>Creates the layer.</summary>
    public ReshapeLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    public override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ReshapeParameter p = Param.ReshapeParam ?? new ReshapeParameter();
        var dims = p.Shape?.Dim;
        int n = dims?.Count ?? 0;
        _dims = new int[n];
        for (int i = 0; i < n; i++)
        {
            long d = dims![i];
            if (d < -1 || d > int.MaxValue)
            {
                throw Error($"shape dimension {d} at position {i} is invalid; use a positive size, 0 (copy) or -1 (infer).");
            }
            if (d == -1)
            {
                if (_inferred >= 0)
                {
                    throw Error($"shape [{string.Join(" ", dims)}] for bottom '{bottom[0].Name}' of shape {bottom[0].ShapeString} has more than one -1 (positions {_inferred} and {i}); at most one dimension can be inferred.");
                }
                _inferred = i;
            }
            _dims[i] = (int)d;
        }
        if (p.NumAxes < -1)
        {
            throw Error($"num_axes {p.NumAxes} is invalid; it must be -1 (to the end) or >= 0.");
        }
    }

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        Blob x = bottom[0];
        if (ReferenceEquals(top[0], x))
        {
            throw Error($"top '{x.Name}' cannot be the bottom: Reshape does not run in place.");
        }
        ReshapeParameter p = Param.ReshapeParam ?? new ReshapeParameter();
        int axes = x.NumAxes;
        // axis counts positions between axes, so -1 means "after the last axis".
        int start = p.Axis >= 0 ? p.Axis : axes + p.Axis + 1;
        if (start < 0 || start > axes)
        {
            throw Error($"axis {p.Axis} is out of range for bottom '{x.Name}' of shape {x.ShapeString}.");
        }
        int end = p.NumAxes == -1 ? axes : start + p.NumAxes;
        if (end > axes)
        {
            throw Error($"axis {p.Axis} with num_axes {p.NumAxes} reaches past the {axes} axes of bottom '{x.Name}' of shape {x.ShapeString}.");
        }
        Span<int> shape = stackalloc int[start + _dims.Length + (axes - end)];
        x.Shape[..start].CopyTo(shape);
        long known = x.CountRange(0, start) * (long)x.CountFrom(end);
        for (int i = 0; i < _dims.Length; i++)
        {
            int d = _dims[i];
            if (d == 0)
            {
                if (start + i >= axes)
                {
                    throw Error($"shape dimension {i} is 0 (copy), but bottom '{x.Name}' of shape {x.ShapeString} has no axis {start + i}.");
                }
                d = x.Shape[start + i];
            }
            shape[start + i] = d;
            if (i != _inferred)
            {
                known *= d;
            }
        }
        x.Shape[end..].CopyTo(shape[(start + _dims.Length)..]);
        if (_inferred >= 0)
        {
            if (known == 0 || x.Count % known != 0)
            {
                throw Error($"cannot infer the -1 dimension: bottom '{x.Name}' of shape {x.ShapeString} does not divide into the other dimensions (product {known}).");
            }
            shape[start + _inferred] = (int)(x.Count / known);
        }
        long count = 1;
        foreach (int d in shape)
        {
            count *= d;
        }
        if (count != x.Count)
        {
            throw Error($"shape {Blob.Format(shape)} has {count} elements, but bottom '{x.Name}' of shape {x.ShapeString} has {x.Count}.");
        }
        top[0].Reshape(shape);
        top[0].ShareData(x);
    }
}
