namespace Engine.Editor.Drawing;

/// <summary>One layer as drawn: name, type and each top blob with its shape (null: unknown).</summary>
/// <param name="Name">Layer name.</param>
/// <param name="Type">Layer type.</param>
/// <param name="Bottoms">Bottom blob names.</param>
/// <param name="Tops">Top blob names with their shapes.</param>
internal sealed record GraphLayer(string Name, string Type, IReadOnlyList<string> Bottoms, IReadOnlyList<(string Name, int?[]? Shape)> Tops)
{
    /// <summary>True when every top is also a bottom (ReLU, Dropout, BatchNorm run in place).</summary>
    public bool IsInPlace => Tops.Count > 0 && Tops.All(t => Bottoms.Contains(t.Name));

    /// <summary>A shape as <c>64×20×24×24</c>, with <c>?</c> for unknown axes.</summary>
    public static string FormatShape(int?[]? shape)
        => shape is null ? "?" : shape.Length == 0 ? "scalar" : string.Join("×", shape.Select(d => d?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"));
}

/// <summary>
/// A box of the drawing: one layer plus the in-place layers that follow it on its top (stacked in the same box
/// rather than given ranks of their own, so a conv/BN/scale/ReLU chain reads as one unit).
/// </summary>
/// <param name="Index">Position in <see cref="NetGraph.Nodes"/>.</param>
/// <param name="Layer">The producing layer.</param>
/// <param name="Stacked">In-place layers applied to this node's tops, in execution order.</param>
internal sealed record GraphNode(int Index, GraphLayer Layer, List<GraphLayer> Stacked);

/// <summary>A blob flowing from the node that produces it to a node that reads it.</summary>
/// <param name="From">Producing node index.</param>
/// <param name="To">Consuming node index.</param>
/// <param name="Blob">Blob name.</param>
/// <param name="Shape">The blob's shape.</param>
internal sealed record GraphEdge(int From, int To, string Blob, int?[]? Shape);

/// <summary>
/// A net as a graph of boxes (layers) and edges (blobs). Split layers the net inserts for fan-out are dropped (their
/// tops are the same blob), in-place layers are stacked into their producer, and a bottom nobody produces (a net
/// input) gets an <c>Input</c> node. Nodes are in execution order, so every edge goes from a lower to a higher index.
/// </summary>
internal sealed class NetGraph
{
    private NetGraph(string name, List<GraphNode> nodes, List<GraphEdge> edges)
    {
        Name = name;
        Nodes = nodes;
        Edges = edges;
    }

    /// <summary>The net's name.</summary>
    public string Name { get; }

    /// <summary>Boxes in execution order.</summary>
    public IReadOnlyList<GraphNode> Nodes { get; }

    /// <summary>Blob edges, each from a lower to a higher node index.</summary>
    public IReadOnlyList<GraphEdge> Edges { get; }

    /// <summary>Builds the graph of <paramref name="layers"/>, given in execution order.</summary>
    public static NetGraph FromLayers(string name, IEnumerable<GraphLayer> layers)
    {
        var nodes = new List<GraphNode>();
        var edges = new List<GraphEdge>();
        var producer = new Dictionary<string, int>(StringComparer.Ordinal);
        var shapes = new Dictionary<string, int?[]?>(StringComparer.Ordinal);
        var alias = new Dictionary<string, string>(StringComparer.Ordinal);
        string Resolve(string blob) => alias.TryGetValue(blob, out string? original) ? original : blob;

        foreach (GraphLayer raw in layers)
        {
            GraphLayer layer = raw with { Bottoms = raw.Bottoms.Select(Resolve).ToArray() };
            if (layer.Type == "Split" && layer.Bottoms.Count == 1)
            {
                foreach ((string top, _) in layer.Tops)
                {
                    alias[top] = layer.Bottoms[0];
                }
                continue;
            }
            if (layer.IsInPlace && layer.Bottoms.Count == 1 && producer.TryGetValue(layer.Bottoms[0], out int owner))
            {
                nodes[owner].Stacked.Add(layer);
                foreach ((string top, int?[]? shape) in layer.Tops)
                {
                    shapes[top] = shape;
                }
                continue;
            }
            foreach (string bottom in layer.Bottoms.Distinct(StringComparer.Ordinal))
            {
                if (!producer.ContainsKey(bottom))
                {
                    // A net input (input: field or a bottom fed from outside): give it a box so its edge has a source.
                    int input = nodes.Count;
                    nodes.Add(new GraphNode(input, new GraphLayer(bottom, "Input", [], [(bottom, null)]), []));
                    producer[bottom] = input;
                    shapes[bottom] = null;
                }
            }
            int index = nodes.Count;
            nodes.Add(new GraphNode(index, layer, []));
            foreach (string bottom in layer.Bottoms.Distinct(StringComparer.Ordinal))
            {
                edges.Add(new GraphEdge(producer[bottom], index, bottom, shapes[bottom]));
            }
            foreach ((string top, int?[]? shape) in layer.Tops)
            {
                producer[top] = index;
                shapes[top] = shape;
            }
        }
        return new NetGraph(name, nodes, edges);
    }
}
