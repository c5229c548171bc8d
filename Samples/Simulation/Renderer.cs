using SkiaSharp;

namespace Engine.Samples.Simulation;

/// <summary>Draws world frames and the learning curve to PNG files with SkiaSharp.</summary>
internal static class Renderer
{
    private const int Pixels = 512;

    public static void SaveFrame(World world, string path, string caption)
    {
        using var surface = SKSurface.Create(new SKImageInfo(Pixels, Pixels));
        DrawFrame(surface.Canvas, world, caption, Pixels);
        Save(surface, path);
    }

    /// <summary>Draws a frame at <paramref name="pixels"/>² and copies it out as RGBA bytes into <paramref name="rgba"/>.</summary>
    public static void RenderRgba(World world, string caption, int pixels, byte[] rgba)
    {
        var info = new SKImageInfo(pixels, pixels, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var surface = SKSurface.Create(info);
        DrawFrame(surface.Canvas, world, caption, pixels);
        using SKImage image = surface.Snapshot();
        unsafe
        {
            fixed (byte* p = rgba)
            {
                image.ReadPixels(info, (nint)p, info.RowBytes, 0, 0);
            }
        }
    }

    private static void DrawFrame(SKCanvas canvas, World world, string caption, int pixels)
    {
        canvas.Clear(new SKColor(18, 22, 30));
        float scale = pixels / World.Size;
        float r = pixels / 256f;
        using var food = new SKPaint { Color = new SKColor(90, 200, 90), IsAntialias = true };
        using var agent = new SKPaint { Color = new SKColor(250, 170, 60), IsAntialias = true };
        using var heading = new SKPaint { Color = new SKColor(250, 220, 160), StrokeWidth = 0.6f * r, IsAntialias = true };
        using var text = new SKPaint { Color = SKColors.White, IsAntialias = true };
        using var font = new SKFont(SKTypeface.Default, 7 * r);
        for (int f = 0; f < world.FoodX.Length; f++)
        {
            canvas.DrawCircle(world.FoodX[f] * scale, world.FoodY[f] * scale, 1.1f * r, food);
        }
        for (int i = 0; i < world.Agents; i++)
        {
            float x = world.AgentX[i] * scale, y = world.AgentY[i] * scale;
            (float dx, float dy) = World.Direction(world.Heading[i]);
            canvas.DrawLine(x, y, x + dx * 2.5f * r, y + dy * 2.5f * r, heading);
            canvas.DrawCircle(x, y, 0.9f * r, agent);
        }
        canvas.DrawText(caption, 4 * r, 10 * r, SKTextAlign.Left, font, text);
    }

    /// <summary>A line chart of one or more series over a shared x axis.</summary>
    public static void SaveChart(string path, string title, string xLabel, params (string Name, IReadOnlyList<float> Values, SKColor Color)[] series)
    {
        const int width = 720, height = 400, left = 60, right = 20, top = 40, bottom = 50;
        using var surface = SKSurface.Create(new SKImageInfo(width, height));
        SKCanvas canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var axis = new SKPaint { Color = SKColors.Black, StrokeWidth = 1, IsAntialias = true };
        using var text = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        using var font = new SKFont(SKTypeface.Default, 13);
        canvas.DrawLine(left, height - bottom, width - right, height - bottom, axis);
        canvas.DrawLine(left, top, left, height - bottom, axis);
        canvas.DrawText(title, left, 24, SKTextAlign.Left, font, text);
        canvas.DrawText(xLabel, width / 2f, height - 12, SKTextAlign.Center, font, text);
        float max = series.SelectMany(s => s.Values).DefaultIfEmpty(1f).Max();
        if (max <= 0)
        {
            max = 1;
        }
        canvas.DrawText(max.ToString("G3"), 6, top + 4, SKTextAlign.Left, font, text);
        canvas.DrawText("0", 40, height - bottom, SKTextAlign.Left, font, text);
        int legendY = top + 4;
        foreach ((string name, IReadOnlyList<float> values, SKColor color) in series)
        {
            using var line = new SKPaint { Color = color, StrokeWidth = 2, IsAntialias = true, Style = SKPaintStyle.Stroke };
            using var pathLine = new SKPath();
            for (int i = 0; i < values.Count; i++)
            {
                float x = left + (width - left - right) * (values.Count == 1 ? 0 : (float)i / (values.Count - 1));
                float y = height - bottom - (height - top - bottom) * values[i] / max;
                if (i == 0)
                {
                    pathLine.MoveTo(x, y);
                }
                else
                {
                    pathLine.LineTo(x, y);
                }
            }
            canvas.DrawPath(pathLine, line);
            using var label = new SKPaint { Color = color, IsAntialias = true };
            canvas.DrawText(name, width - right - 220, legendY + 14, SKTextAlign.Left, font, label);
            legendY += 18;
        }
        Save(surface, path);
    }

    private static void Save(SKSurface surface, string path)
    {
        using SKImage image = surface.Snapshot();
        using SKData data = image.Encode(SKEncodedImageFormat.Png, 90);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using FileStream file = File.Create(path);
        data.SaveTo(file);
    }
}
