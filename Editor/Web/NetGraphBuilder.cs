using Engine.Editor.Checking;
using Engine.Formats;
using Engine.Proto;

namespace Engine.Editor.Web;

/// <summary>
/// Validates prototxt text with Engine's own parser and net builder (shapes only, no weights allocated) and turns it
/// into the graph, per-layer figures and errors the page shows. The net is drawn in its TRAIN phase.
/// </summary>
internal static class NetGraphBuilder
{
    /// <summary>Parses and checks <paramref name="text"/>.</summary>
    /// <param name="text">The prototxt.</param>
    /// <param name="fileName">Name used in messages.</param>
    /// <param name="directory">Directory relative data sources are resolved against.</param>
    public static ParseResult Build(string text, string fileName, string? directory)
    {
        NetParameter definition;
        var upgradeNotes = new List<string>();
        try
        {
            definition = NetDefinitions.ParseNet(text, fileName, upgradeNotes);
        }
        catch (PrototxtException e)
        {
            return new ParseResult(false, [new TextError(e.Line, e.Column, e.Reason)], null, null);
        }
        catch (NetDefinitionException e)
        {
            return new ParseResult(false, [new TextError(1, 1, Unprefixed(e.Message, fileName))], null, null);
        }

        var state = definition.State?.Clone() ?? new NetState();
        state.Phase = Phase.Train;
        NetParameter filtered;
        try
        {
            filtered = NetStateFilter.Filter(definition, state);
        }
        catch (NetDefinitionException e)
        {
            return new ParseResult(false, [new TextError(1, 1, e.Message)], Graph(definition, text, null), null);
        }

        var errors = new List<TextError>();
        NetCheckResult? checkedNet = null;
        try
        {
            checkedNet = NetChecker.Check(definition, state, directory, strict: false);
        }
        catch (Exception e) when (Diagnostics.IsInputError(e))
        {
            (int line, int col) = Position(text, e);
            errors.Add(new TextError(line, col, e.Message.ReplaceLineEndings(" ")));
        }
        if (checkedNet is not null)
        {
            foreach (string warning in checkedNet.Warnings.Concat(upgradeNotes))
            {
                (int line, int col) = Diagnostics.LayerNamedIn(warning) is { } l && Diagnostics.FindLayer(text, l) is { } p ? p
                    : WarningLayer(warning) is { } w && Diagnostics.FindLayer(text, w) is { } q ? q
                    : (1, 1);
                errors.Add(new TextError(line, col, warning, "warning"));
            }
        }
        NetGraph graph = Graph(filtered, text, checkedNet);
        return new ParseResult(errors.All(e => e.Severity != "error"), errors, graph, checkedNet is null ? null : Totals(checkedNet));
    }

    private static NetGraph Graph(NetParameter net, string text, NetCheckResult? checkedNet)
    {
        Dictionary<string, CheckedLayer> figures = checkedNet?.Layers
            .GroupBy(l => l.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal) ?? [];
        var nodes = new List<GraphNode>(net.Layer.Count);
        var edges = new List<GraphEdge>();
        var producer = new Dictionary<string, string>(StringComparer.Ordinal);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < net.Layer.Count; i++)
        {
            LayerParameter layer = net.Layer[i];
            string name = string.IsNullOrEmpty(layer.Name) ? $"{layer.Type}{i}" : layer.Name;
            string id = name;
            for (int k = 2; !ids.Add(id); k++)
            {
                // Duplicate names are an error the checker reports; the drawing still needs distinct nodes.
                id = $"{name}#{k}";
            }
            figures.TryGetValue(name, out CheckedLayer? figure);
            int?[]?[] shapes = layer.Top.Select(t => figure?.Tops.FirstOrDefault(x => x.Name == t).Shape).ToArray();
            long? memory = figure is null ? null : Bytes(shapes);
            int line = Diagnostics.FindLayer(text, name)?.Line ?? 0;
            nodes.Add(new GraphNode(id, layer.Type, [.. layer.Bottom], [.. layer.Top], shapes,
                Prototxt.Write(layer).TrimEnd(), figure?.Parameters, figure?.Flops, memory, line));
            foreach (string bottom in layer.Bottom)
            {
                if (producer.TryGetValue(bottom, out string? from))
                {
                    edges.Add(new GraphEdge(from, id, bottom));
                }
            }
            foreach (string top in layer.Top)
            {
                producer[top] = id;
            }
        }
        return new NetGraph(nodes, edges);
    }

    private static long? Bytes(int?[]?[] shapes)
    {
        long total = 0;
        foreach (int?[]? shape in shapes)
        {
            if (shape is null || shape.Any(d => d is null))
            {
                return null;
            }
            total += shape.Aggregate(1L, (n, d) => n * d!.Value) * sizeof(float);
        }
        return total;
    }

    private static NetTotals Totals(NetCheckResult net)
    {
        int? batch = net.Layers.FirstOrDefault(l => l.Bottoms.Length == 0 && l.Tops.Length > 0) is { } data
            && data.Tops[0].Shape is { Length: > 0 } shape ? shape[0] : null;
        double? perSample = net.Flops is long f && batch is > 0 ? (double)f / batch.Value : null;
        return new NetTotals(net.Parameters, perSample, net.ActivationValues * sizeof(float), batch);
    }

    private static (int Line, int Column) Position(string text, Exception e)
    {
        string? layer = e is LayerException le ? le.LayerName : Diagnostics.LayerNamedIn(e.Message) ?? WarningLayer(e.Message);
        return layer is not null && Diagnostics.FindLayer(text, layer) is { } p ? p : (1, 1);
    }

    // Missing-source warnings and several net errors quote the layer as "layer 'x'".
    private static string? WarningLayer(string message)
    {
        int at = message.IndexOf("layer '", StringComparison.OrdinalIgnoreCase);
        if (at < 0)
        {
            return null;
        }
        int start = at + "layer '".Length, end = message.IndexOf('\'', start);
        return end > start ? message[start..end] : null;
    }

    private static string Unprefixed(string message, string fileName)
        => message.StartsWith(fileName + ": ", StringComparison.Ordinal) ? message[(fileName.Length + 2)..] : message;
}
