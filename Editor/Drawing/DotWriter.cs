using System.Text;

namespace Engine.Editor.Drawing;

/// <summary>Writes a <see cref="NetGraph"/> as Graphviz DOT text (for <c>dot -Tpdf</c> and friends); Graphviz does the layout.</summary>
internal static class DotWriter
{
    /// <summary>The DOT text of <paramref name="graph"/>, ranks running top-to-bottom or, with <paramref name="leftToRight"/>, left-to-right.</summary>
    public static string Write(NetGraph graph, IReadOnlyList<NodeLabel> labels, bool leftToRight)
    {
        var s = new StringBuilder();
        s.Append("digraph ").Append(Quote(graph.Name)).Append(" {\n");
        s.Append("  rankdir=").Append(leftToRight ? "LR" : "TB").Append(";\n");
        s.Append("  node [shape=box, style=\"rounded,filled\", fontname=\"DejaVu Sans Mono\", fontsize=10];\n");
        s.Append("  edge [fontname=\"DejaVu Sans Mono\", fontsize=9, color=\"#666677\"];\n");
        for (int v = 0; v < graph.Nodes.Count; v++)
        {
            NodeLabel label = labels[v];
            IEnumerable<string> lines = new[] { label.Title, label.Type }.Concat(label.Tops).Concat(label.Stacked);
            // \l left-justifies each line in Graphviz.
            string text = string.Concat(lines.Select(l => EscapeInLabel(l) + "\\l"));
            s.Append("  n").Append(v).Append(" [label=\"").Append(text).Append("\", fillcolor=\"").Append(NodeLabel.FillFor(graph.Nodes[v].Layer.Type)).Append("\"];\n");
        }
        foreach (GraphEdge edge in graph.Edges)
        {
            s.Append("  n").Append(edge.From).Append(" -> n").Append(edge.To).Append(" [label=").Append(Quote(edge.Blob)).Append("];\n");
        }
        s.Append("}\n");
        return s.ToString();
    }

    private static string Quote(string text) => "\"" + EscapeInLabel(text) + "\"";

    private static string EscapeInLabel(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
