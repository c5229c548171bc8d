using System.Text;
using Engine.Formats;

namespace Engine.Editor.Drawing;

/// <summary>The output formats of <c>engine draw</c>, chosen by file extension.</summary>
internal enum DrawingFormat
{
    /// <summary>Standalone SVG, laid out by <see cref="LayeredLayout"/>.</summary>
    Svg,

    /// <summary>PNG rendered with SkiaSharp from the same layout.</summary>
    Png,

    /// <summary>Graphviz DOT text (Graphviz lays it out).</summary>
    Dot,
}

/// <summary>Lays out a <see cref="NetGraph"/> and writes it in one of the <see cref="DrawingFormat"/>s.</summary>
internal static class NetDrawing
{
    /// <summary>The format for <paramref name="path"/>'s extension, or null when it is not .svg, .png or .dot.</summary>
    public static DrawingFormat? FormatOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".svg" => DrawingFormat.Svg,
        ".png" => DrawingFormat.Png,
        ".dot" or ".gv" => DrawingFormat.Dot,
        _ => null,
    };

    /// <summary>Labels of every node, in node order.</summary>
    public static NodeLabel[] Labels(NetGraph graph) => graph.Nodes.Select(NodeLabel.For).ToArray();

    /// <summary>The layered layout of <paramref name="graph"/> with boxes sized for <paramref name="labels"/>.</summary>
    public static GraphLayout Layout(NetGraph graph, IReadOnlyList<NodeLabel> labels, bool leftToRight)
        // Sideways, blob labels sit along the edges between ranks and need the extra room.
        => new LayeredLayout { LeftToRight = leftToRight, RankGap = leftToRight ? 60 : 36 }.Run(
            labels.Select(l => (l.Width, l.Height)).ToArray(),
            graph.Edges.Select(e => (e.From, e.To)).ToArray());

    /// <summary>Draws <paramref name="graph"/> into <paramref name="path"/> (written atomically) in <paramref name="format"/>.</summary>
    public static void Write(NetGraph graph, string path, DrawingFormat format, bool leftToRight)
    {
        NodeLabel[] labels = Labels(graph);
        byte[] bytes = format switch
        {
            DrawingFormat.Svg => Encoding.UTF8.GetBytes(SvgWriter.Write(graph, Layout(graph, labels, leftToRight), labels)),
            DrawingFormat.Png => PngWriter.Write(graph, Layout(graph, labels, leftToRight), labels),
            _ => Encoding.UTF8.GetBytes(DotWriter.Write(graph, labels, leftToRight)),
        };
        AtomicFile.WriteAllBytes(path, bytes);
    }
}
