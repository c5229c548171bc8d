namespace Engine.Editor.Drawing;

/// <summary>A box of a layout: top-left corner and size.</summary>
/// <param name="X">Left edge.</param>
/// <param name="Y">Top edge.</param>
/// <param name="Width">Width.</param>
/// <param name="Height">Height.</param>
internal readonly record struct LayoutBox(double X, double Y, double Width, double Height)
{
    /// <summary>True when the two boxes share any interior area.</summary>
    public bool Overlaps(LayoutBox other)
        => X < other.X + other.Width && other.X < X + Width && Y < other.Y + other.Height && other.Y < Y + Height;
}

/// <summary>The result of <see cref="LayeredLayout"/>: where each node's box is and how each edge runs.</summary>
/// <param name="Boxes">One box per node, indexed like the input nodes.</param>
/// <param name="EdgePaths">One polyline per input edge: from the source box's exit side through the ranks it crosses to the target's entry side.</param>
/// <param name="Ranks">The rank (level) of each node; 0 is the first.</param>
/// <param name="Width">Width of the whole drawing, margins included.</param>
/// <param name="Height">Height of the whole drawing, margins included.</param>
/// <param name="InitialCrossings">Edge crossings between adjacent ranks in the first-seen order.</param>
/// <param name="Crossings">Edge crossings after the barycenter sweeps.</param>
/// <param name="LeftToRight">Ranks run left to right (edges leave a box's right side) rather than top to bottom.</param>
internal sealed record GraphLayout(
    IReadOnlyList<LayoutBox> Boxes,
    IReadOnlyList<IReadOnlyList<(double X, double Y)>> EdgePaths,
    IReadOnlyList<int> Ranks,
    double Width,
    double Height,
    int InitialCrossings,
    int Crossings,
    bool LeftToRight)
{
    /// <summary>Where the label of an edge starting at <paramref name="exit"/> goes: just past the box, beside the line.</summary>
    public (double X, double Y) LabelAt((double X, double Y) exit) => LeftToRight ? (exit.X + 4, exit.Y - 4) : (exit.X + 4, exit.Y + 12);
}
