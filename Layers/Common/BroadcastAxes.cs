namespace Engine.Layers;

/// <summary>
/// The (outer, dim, inner) view that Bias and Scale use to broadcast a factor blob over axes
/// [axis, axis + factor.NumAxes) of the bottom.
/// </summary>
internal readonly record struct BroadcastAxes(int Axis, int Outer, int Dim, int Inner)
{
    /// <summary>
    /// Shape of the parameter blob a one-bottom Bias/Scale creates: bottom axes [axis, axis + numAxes), or to the end
    /// when numAxes is −1.
    /// </summary>
    public static int[] ParamShape(Blob bottom, int axis, int numAxes, Func<string, Exception> error)
    {
        if (numAxes < -1)
        {
            throw error($"num_axes {numAxes} is invalid; it must be -1 (to the end) or >= 0.");
        }
        int end = numAxes == -1 ? bottom.NumAxes : axis + numAxes;
        if (end > bottom.NumAxes)
        {
            throw error($"axis {axis} with num_axes {numAxes} reaches past the {bottom.NumAxes} axes of bottom '{bottom.Name}' of shape {bottom.ShapeString}.");
        }
        return bottom.Shape[axis..end].ToArray();
    }

    /// <summary>Checks that <paramref name="factor"/> matches the bottom from <paramref name="axis"/> on and returns the view.</summary>
    public static BroadcastAxes Of(Blob bottom, Blob factor, int axis, Func<string, Exception> error)
    {
        bool fits = bottom.NumAxes >= axis + factor.NumAxes;
        for (int i = 0; fits && i < factor.NumAxes; i++)
        {
            fits = bottom.Shape[axis + i] == factor.Shape[i];
        }
        if (!fits)
        {
            throw error($"'{factor.Name}' of shape {factor.ShapeString} does not match the axes from {axis} of bottom '{bottom.Name}' of shape {bottom.ShapeString}.");
        }
        return new BroadcastAxes(axis, bottom.CountRange(0, axis), factor.Count, bottom.CountFrom(axis + factor.NumAxes));
    }
}
