namespace Engine.Editor.Drawing;

/// <summary>
/// The text of one box and the size it needs: layer name, type, each top's shape, then the stacked in-place layers.
/// Sizes assume a 12 px monospace font (DejaVu Sans Mono), which the SVG names and the PNG renderer uses, so text fits
/// the box in both.
/// </summary>
internal sealed class NodeLabel
{
    /// <summary>Font size in pixels.</summary>
    public const double FontSize = 12;

    /// <summary>Advance of one monospace character at <see cref="FontSize"/>.</summary>
    public const double CharWidth = 7.23;

    /// <summary>Distance between baselines.</summary>
    public const double LineHeight = 15;

    /// <summary>Inner padding of a box.</summary>
    public const double Padding = 6;

    // Long names and shapes are cut so one odd layer does not widen its whole rank.
    private const int MaxChars = 36;

    private NodeLabel(string title, string type, string[] tops, string[] stacked)
    {
        Title = title;
        Type = type;
        Tops = tops;
        Stacked = stacked;
        int chars = new[] { title.Length, type.Length }.Concat(tops.Select(t => t.Length)).Concat(stacked.Select(s => s.Length)).Max();
        Width = Math.Max(60, chars * CharWidth + 2 * Padding);
        Height = (2 + tops.Length + stacked.Length) * LineHeight + 2 * Padding + (stacked.Length > 0 ? Padding : 0);
    }

    /// <summary>The layer name (first line, bold).</summary>
    public string Title { get; }

    /// <summary>The layer type (second line).</summary>
    public string Type { get; }

    /// <summary>One line per top: its shape, prefixed by its name when that differs from the layer's.</summary>
    public string[] Tops { get; }

    /// <summary>One line per in-place layer stacked into the box.</summary>
    public string[] Stacked { get; }

    /// <summary>Box width.</summary>
    public double Width { get; }

    /// <summary>Box height.</summary>
    public double Height { get; }

    /// <summary>Where the stacked band starts, measured from the top of the box.</summary>
    public double StackedTop => Padding + (2 + Tops.Length) * LineHeight + Padding / 2;

    /// <summary>The label of <paramref name="node"/>.</summary>
    public static NodeLabel For(GraphNode node)
    {
        GraphLayer layer = node.Layer;
        string[] tops = layer.Tops
            .Select(t => Cut((layer.Tops.Count == 1 && t.Name == layer.Name ? "→ " : t.Name + ": ") + GraphLayer.FormatShape(t.Shape)))
            .ToArray();
        string[] stacked = node.Stacked.Select(s => Cut($"+ {s.Type} ({s.Name})")).ToArray();
        return new NodeLabel(Cut(layer.Name), Cut(layer.Type), tops, stacked);
    }

    private static string Cut(string text) => text.Length <= MaxChars ? text : text[..(MaxChars - 1)] + "…";

    /// <summary>Fill colour of a box by what kind of layer it is.</summary>
    public static string FillFor(string type) => type switch
    {
        "Convolution" or "Deconvolution" => "#dbe9f6",
        "Pooling" => "#e4f2dc",
        "InnerProduct" or "Embed" => "#f6e3c9",
        "Input" or "Data" or "ImageData" or "HDF5Data" or "MemoryData" or "DummyData" or "WindowData" => "#ececec",
        _ when type.EndsWith("Loss", StringComparison.Ordinal) => "#f5d5d5",
        "Accuracy" => "#eadcf2",
        _ => "#fbf7e4",
    };
}
