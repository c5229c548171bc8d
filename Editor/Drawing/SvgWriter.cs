using System.Globalization;
using System.Security;
using System.Text;

namespace Engine.Editor.Drawing;

/// <summary>Writes a laid-out <see cref="NetGraph"/> as a standalone SVG document.</summary>
internal static class SvgWriter
{
    /// <summary>The SVG text of <paramref name="graph"/> drawn as <paramref name="layout"/> with <paramref name="labels"/>.</summary>
    public static string Write(NetGraph graph, GraphLayout layout, IReadOnlyList<NodeLabel> labels)
    {
        var s = new StringBuilder(256 + graph.Nodes.Count * 600);
        s.Append(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{F(layout.Width)}" height="{F(layout.Height)}" viewBox="0 0 {F(layout.Width)} {F(layout.Height)}">""").Append('\n');
        s.Append($"<title>{Escape(graph.Name)}</title>\n");
        s.Append("""
            <defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#556"/></marker></defs>
            <style>text{font-family:'DejaVu Sans Mono',monospace;font-size:12px;fill:#222}.type{fill:#555}.top{fill:#1a4d80}.stack{fill:#6a3d00}.blob{fill:#667;font-size:11px}.edge{fill:none;stroke:#667;stroke-width:1.2}.box{stroke:#334;stroke-width:1}</style>
            <rect width="100%" height="100%" fill="white"/>

            """);
        var labelled = new HashSet<(int, string)>();
        for (int e = 0; e < graph.Edges.Count; e++)
        {
            GraphEdge edge = graph.Edges[e];
            IReadOnlyList<(double X, double Y)> path = layout.EdgePaths[e];
            s.Append("<path class=\"edge\" marker-end=\"url(#arrow)\" d=\"");
            for (int i = 0; i < path.Count; i++)
            {
                s.Append(i == 0 ? 'M' : 'L').Append(F(path[i].X)).Append(',').Append(F(path[i].Y)).Append(' ');
            }
            s.Append("\"/>\n");
            if (labelled.Add((edge.From, edge.Blob)))
            {
                // One label per blob leaving a box, just past the box, so fan-out does not repeat it.
                (double x, double y) = layout.LabelAt(path[0]);
                s.Append(CultureInfo.InvariantCulture, $"<text class=\"blob\" x=\"{F(x)}\" y=\"{F(y)}\">{Escape(edge.Blob)}</text>\n");
            }
        }
        for (int v = 0; v < graph.Nodes.Count; v++)
        {
            LayoutBox b = layout.Boxes[v];
            NodeLabel label = labels[v];
            GraphLayer layer = graph.Nodes[v].Layer;
            s.Append(CultureInfo.InvariantCulture, $"<g><title>{Escape(layer.Name)} ({Escape(layer.Type)})</title>");
            s.Append(CultureInfo.InvariantCulture, $"<rect class=\"box\" x=\"{F(b.X)}\" y=\"{F(b.Y)}\" width=\"{F(b.Width)}\" height=\"{F(b.Height)}\" rx=\"4\" fill=\"{NodeLabel.FillFor(layer.Type)}\"/>");
            if (label.Stacked.Length > 0)
            {
                s.Append(CultureInfo.InvariantCulture, $"<rect x=\"{F(b.X + 1)}\" y=\"{F(b.Y + label.StackedTop)}\" width=\"{F(b.Width - 2)}\" height=\"{F(b.Height - label.StackedTop - 1)}\" rx=\"3\" fill=\"#fff1d6\"/>");
            }
            double x = b.X + NodeLabel.Padding, y = b.Y + NodeLabel.Padding + NodeLabel.FontSize;
            Line(s, x, y, label.Title, "font-weight=\"bold\"");
            Line(s, x, y += NodeLabel.LineHeight, label.Type, "class=\"type\"");
            foreach (string top in label.Tops)
            {
                Line(s, x, y += NodeLabel.LineHeight, top, "class=\"top\"");
            }
            y += NodeLabel.Padding;
            foreach (string stacked in label.Stacked)
            {
                Line(s, x, y += NodeLabel.LineHeight, stacked, "class=\"stack\"");
            }
            s.Append("</g>\n");
        }
        s.Append("</svg>\n");
        return s.ToString();
    }

    private static void Line(StringBuilder s, double x, double y, string text, string attributes)
        => s.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(x)}\" y=\"{F(y)}\" {attributes}>{Escape(text)}</text>");

    private static string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

    private static string Escape(string text) => SecurityElement.Escape(text) ?? "";
}
