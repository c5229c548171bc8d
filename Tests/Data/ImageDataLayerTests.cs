using Engine.Layers;
using Engine.Proto;
using Engine.Tests.Solvers;
using Engine.Tests.Support;
using NUnit.Framework;
using SkiaSharp;

namespace Engine.Tests.Data;

public class ImageDataLayerTests
{
    private string _dir = "";

    // Three 4x2 (H x W) images, each a solid colour, with labels 7, 8, 9.
    private static readonly (byte R, byte G, byte B)[] Colours = [(200, 10, 30), (5, 150, 60), (90, 40, 250)];

    [SetUp]
    public void SetUp()
    {
        _dir = SolverTestHelpers.TempDirectory();
        Directory.CreateDirectory(Path.Combine(_dir, "img"));
        for (int i = 0; i < Colours.Length; i++)
        {
            WritePng(Path.Combine(_dir, "img", $"c{i}.png"), 2, 4, (x, y) => new SKColor(Colours[i].R, Colours[i].G, Colours[i].B));
        }
        File.WriteAllLines(Path.Combine(_dir, "list.txt"), ["img/c0.png 7", "img/c1.png 8", "", "img/c2.png 9"]);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, true);

    private static void WritePng(string path, int width, int height, Func<int, int, SKColor> colour)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                bitmap.SetPixel(x, y, colour(x, y));
            }
        }
        using SKData png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, png.ToArray());
    }

    private (ImageDataLayer Layer, Blob Data, Blob Label) Make(string extra, int batch = 2, string list = "list.txt")
    {
        LayerParameter p = Engine.Formats.Prototxt.Parse<LayerParameter>(
            $"name: \"img\" type: \"ImageData\" top: \"data\" top: \"label\" image_data_param {{ source: \"{Path.Combine(_dir, list)}\" root_folder: \"{_dir}/\" batch_size: {batch} {extra} }}", "layer");
        p.Phase = Phase.Test;
        var data = new Blob();
        var label = new Blob();
        var layer = (ImageDataLayer)TestData.SetUp(p, [], [data, label], 1);
        return (layer, data, label);
    }

    [Test]
    public void Color_IsBgrChw_WithLabels_WrappingAround()
    {
        (ImageDataLayer layer, Blob data, Blob label) = Make("");
        Assert.That(data.Shape.ToArray(), Is.EqualTo(new[] { 2, 3, 4, 2 }));
        Assert.That(label.Shape.ToArray(), Is.EqualTo(new[] { 2 }));
        var labels = new List<float>();
        var firstPixels = new List<float[]>();
        for (int b = 0; b < 3; b++)
        {
            layer.Forward([], [data, label]);
            labels.AddRange(label.Data.ToArray());
            for (int k = 0; k < 2; k++)
            {
                // Blue plane, green plane, red plane: read the last pixel of each.
                int sample = k * 3 * 8;
                firstPixels.Add([data.Data[sample + 7], data.Data[sample + 8 + 7], data.Data[sample + 16 + 7]]);
            }
        }
        Assert.That(labels, Is.EqualTo(new float[] { 7, 8, 9, 7, 8, 9 }));
        for (int s = 0; s < 6; s++)
        {
            var c = Colours[s % 3];
            Assert.That(firstPixels[s], Is.EqualTo(new float[] { c.B, c.G, c.R }), $"sample {s}");
        }
    }

    [Test]
    public void Gray_HasOneChannel_WithLuma()
    {
        (ImageDataLayer layer, Blob data, Blob label) = Make("is_color: false", batch: 3);
        Assert.That(data.Shape.ToArray(), Is.EqualTo(new[] { 3, 1, 4, 2 }));
        layer.Forward([], [data, label]);
        for (int s = 0; s < 3; s++)
        {
            var c = Colours[s];
            float luma = MathF.Round(0.299f * c.R + 0.587f * c.G + 0.114f * c.B);
            Assert.That(data.Data[s * 8 + 5], Is.EqualTo(luma).Within(1f), $"sample {s}");
        }
    }

    [Test]
    public void Resize_ChangesShape_AndKeepsSolidColour()
    {
        (ImageDataLayer layer, Blob data, Blob label) = Make("new_height: 3 new_width: 5", batch: 1);
        Assert.That(data.Shape.ToArray(), Is.EqualTo(new[] { 1, 3, 3, 5 }));
        layer.Forward([], [data, label]);
        var c = Colours[0];
        for (int i = 0; i < 15; i++)
        {
            Assert.That(data.Data[i], Is.EqualTo((float)c.B).Within(1f));
            Assert.That(data.Data[15 + i], Is.EqualTo((float)c.G).Within(1f));
            Assert.That(data.Data[30 + i], Is.EqualTo((float)c.R).Within(1f));
        }
    }

    [Test]
    public void PixelPositions_AreRowMajor_AndTransformApplies()
    {
        WritePng(Path.Combine(_dir, "img", "grad.png"), 3, 2, (x, y) => new SKColor((byte)(10 * x + 100 * y), 0, 0));
        File.WriteAllLines(Path.Combine(_dir, "grad.txt"), ["img/grad.png 1"]);
        LayerParameter p = Engine.Formats.Prototxt.Parse<LayerParameter>(
            $"name: \"img\" type: \"ImageData\" top: \"data\" transform_param {{ scale: 0.5 mean_value: 0 mean_value: 0 mean_value: 10 }} image_data_param {{ source: \"{Path.Combine(_dir, "grad.txt")}\" root_folder: \"{_dir}/\" batch_size: 1 }}", "layer");
        var data = new Blob();
        using Layer layer = TestData.SetUp(p, [], [data], 1);
        layer.Forward([], [data]);
        float[] red = data.Data.Slice(12, 6).ToArray();
        Assert.That(red, Is.EqualTo(new float[] { 0, 10, 20, 100, 110, 120 }.Select(v => (v - 10) * 0.5f).ToArray()));
    }

    [Test]
    public void BadLine_AndMissingImage_NameTheFileAndLine()
    {
        File.WriteAllLines(Path.Combine(_dir, "bad.txt"), ["img/c0.png 7", "img/c1.png"]);
        var e = Assert.Throws<LayerException>(() => Make("", list: "bad.txt"))!;
        Assert.That(e.Message, Does.Contain("bad.txt:2"));
        File.WriteAllLines(Path.Combine(_dir, "missing.txt"), ["img/nope.png 7"]);
        e = Assert.Throws<LayerException>(() => Make("", list: "missing.txt"))!;
        Assert.That(e.Message, Does.Contain("missing.txt:1").And.Contain("nope.png"));
    }

    [Test]
    public void Shuffle_VisitsEveryImageOncePerPass()
    {
        (ImageDataLayer layer, Blob data, Blob label) = Make("shuffle: true", batch: 3);
        layer.Forward([], [data, label]);
        Assert.That(label.Data.ToArray(), Is.EquivalentTo(new float[] { 7, 8, 9 }));
        layer.Forward([], [data, label]);
        Assert.That(label.Data.ToArray(), Is.EquivalentTo(new float[] { 7, 8, 9 }));
    }
}
