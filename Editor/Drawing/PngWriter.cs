using SkiaSharp;

namespace Engine.Editor.Drawing;

/// <summary>Renders a laid-out <see cref="NetGraph"/> to PNG with SkiaSharp, the same drawing as <see cref="SvgWriter"/>.</summary>
internal static class PngWriter
{
    // Past this many pixels a huge net is scaled down rather than asking Skia for gigabytes.
    private const double MaxPixels = 60_000_000;
    private const double MaxSide = 30_000;

    /// <summary>The PNG bytes of <paramref name="graph"/> drawn as <paramref name="layout"/>.</summary>
    public static byte[] Write(NetGraph graph, GraphLayout layout, IReadOnlyList<NodeLabel> labels)
    {
        double scale = Math.Min(1.5, Math.Min(Math.Sqrt(MaxPixels / Math.Max(1, layout.Width * layout.Height)), MaxSide / Math.Max(layout.Width, layout.Height)));
        int width = Math.Max(1, (int)Math.Ceiling(layout.Width * scale));
        int height = Math.Max(1, (int)Math.Ceiling(layout.Height * scale));
        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException($"cannot allocate a {width}x{height} image");
        SKCanvas canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        canvas.Scale((float)scale);

        using var regular = SKTypeface.FromFamilyName("DejaVu Sans Mono");
        using var bold = SKTypeface.FromFamilyName("DejaVu Sans Mono", SKFontStyle.Bold);
        using var font = new SKFont(regular, (float)NodeLabel.FontSize);
        using var boldFont = new SKFont(bold, (float)NodeLabel.FontSize);
        using var smallFont = new SKFont(regular, 11f);
        using var edgePaint = new SKPaint { Color = new SKColor(0x66, 0x66, 0x77), StrokeWidth = 1.2f, Style = SKPaintStyle.Stroke, IsAntialias = true };
        using var arrowPaint = new SKPaint { Color = new SKColor(0x55, 0x55, 0x66), Style = SKPaintStyle.Fill, IsAntialias = true };
        using var outline = new SKPaint { Color = new SKColor(0x33, 0x33, 0x44), StrokeWidth = 1f, Style = SKPaintStyle.Stroke, IsAntialias = true };
        using var fill = new SKPaint { Style = SKPaintStyle.Fill, IsAntialias = true };
        using var text = new SKPaint { IsAntialias = true };

        var labelled = new HashSet<(int, string)>();
        for (int e = 0; e < graph.Edges.Count; e++)
        {
            IReadOnlyList<(double X, double Y)> points = layout.EdgePaths[e];
            using var path = new SKPath();
            path.MoveTo((float)points[0].X, (float)points[0].Y);
            for (int i = 1; i < points.Count; i++)
            {
                path.LineTo((float)points[i].X, (float)points[i].Y);
            }
            canvas.DrawPath(path, edgePaint);
            DrawArrowHead(canvas, points[^2], points[^1], arrowPaint);
            if (labelled.Add((graph.Edges[e].From, graph.Edges[e].Blob)))
            {
                text.Color = new SKColor(0x66, 0x66, 0x77);
                (double x, double y) = layout.LabelAt(points[0]);
                canvas.DrawText(graph.Edges[e].Blob, (float)x, (float)y, smallFont, text);
            }
        }
        for (int v = 0; v < graph.Nodes.Count; v++)
        {
            LayoutBox b = layout.Boxes[v];
            NodeLabel label = labels[v];
            var rect = new SKRect((float)b.X, (float)b.Y, (float)(b.X + b.Width), (float)(b.Y + b.Height));
            fill.Color = SKColor.Parse(NodeLabel.FillFor(graph.Nodes[v].Layer.Type));
            canvas.DrawRoundRect(rect, 4, 4, fill);
            if (label.Stacked.Length > 0)
            {
                fill.Color = SKColor.Parse("#fff1d6");
                canvas.DrawRoundRect(new SKRect(rect.Left + 1, rect.Top + (float)label.StackedTop, rect.Right - 1, rect.Bottom - 1), 3, 3, fill);
            }
            canvas.DrawRoundRect(rect, 4, 4, outline);
            float x = (float)(b.X + NodeLabel.Padding), y = (float)(b.Y + NodeLabel.Padding + NodeLabel.FontSize);
            text.Color = new SKColor(0x22, 0x22, 0x22);
            canvas.DrawText(label.Title, x, y, boldFont, text);
            text.Color = new SKColor(0x55, 0x55, 0x55);
            canvas.DrawText(label.Type, x, y += (float)NodeLabel.LineHeight, font, text);
            text.Color = new SKColor(0x1a, 0x4d, 0x80);
            foreach (string top in label.Tops)
            {
                canvas.DrawText(top, x, y += (float)NodeLabel.LineHeight, font, text);
            }
            y += (float)NodeLabel.Padding;
            text.Color = new SKColor(0x6a, 0x3d, 0x00);
            foreach (string stacked in label.Stacked)
            {
                canvas.DrawText(stacked, x, y += (float)NodeLabel.LineHeight, font, text);
            }
        }
        using SKImage image = surface.Snapshot();
        using SKData data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private static void DrawArrowHead(SKCanvas canvas, (double X, double Y) from, (double X, double Y) to, SKPaint paint)
    {
        double dx = to.X - from.X, dy = to.Y - from.Y, length = Math.Sqrt(dx * dx + dy * dy);
        if (length < 1e-6)
        {
            return;
        }
        dx /= length;
        dy /= length;
        const double size = 7;
        using var head = new SKPath();
        head.MoveTo((float)to.X, (float)to.Y);
        head.LineTo((float)(to.X - dx * size - dy * size / 2), (float)(to.Y - dy * size + dx * size / 2));
        head.LineTo((float)(to.X - dx * size + dy * size / 2), (float)(to.Y - dy * size - dx * size / 2));
        head.Close();
        canvas.DrawPath(head, paint);
    }
}
