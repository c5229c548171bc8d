using Engine.Samples.Simulation;
using NUnit.Framework;
using SkiaSharp;

namespace Engine.Tests.Samples;

public class GifWriterTests
{
    [Test]
    public void Frames_DecodeBackToTheirPaletteColours()
    {
        // Two 97×61 frames (odd sizes) of noisy colours: 5 917 mostly new strings each, more than the 3 838 free LZW
        // codes, so the table fills and is cleared mid-frame.
        const int w = 97, h = 61;
        var rng = new EngineRandom(5);
        var frames = new byte[2][];
        for (int f = 0; f < 2; f++)
        {
            frames[f] = new byte[w * h * 4];
            for (int i = 0; i < w * h; i++)
            {
                frames[f][4 * i] = (byte)rng.NextInt(256);
                frames[f][4 * i + 1] = (byte)(f == 0 ? rng.NextInt(256) : 200);
                frames[f][4 * i + 2] = (byte)rng.NextInt(256);
                frames[f][4 * i + 3] = 255;
            }
        }
        var stream = new MemoryStream();
        using (var gif = new GifWriter(stream, w, h, 10))
        {
            gif.AddFrame(frames[0]);
            gif.AddFrame(frames[1]);
        }
        stream.Position = 0;
        using SKCodec codec = SKCodec.Create(stream);
        Assert.That(codec, Is.Not.Null, "SkiaSharp must recognise the file as an image");
        Assert.That(codec.EncodedFormat, Is.EqualTo(SKEncodedImageFormat.Gif));
        Assert.That(codec.FrameCount, Is.EqualTo(2));
        var info = new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        for (int f = 0; f < 2; f++)
        {
            using var bitmap = new SKBitmap(info);
            SKCodecResult result = codec.GetPixels(info, bitmap.GetPixels(), new SKCodecOptions(f));
            Assert.That(result, Is.EqualTo(SKCodecResult.Success));
            for (int i = 0; i < w * h; i++)
            {
                (byte r, byte g, byte b) = GifWriter.Colour(GifWriter.Index(frames[f][4 * i], frames[f][4 * i + 1], frames[f][4 * i + 2]));
                SKColor px = bitmap.GetPixel(i % w, i / w);
                Assert.That((px.Red, px.Green, px.Blue), Is.EqualTo((r, g, b)), $"frame {f}, pixel {i}");
            }
        }
    }

    [Test]
    public void Palette_MapsEveryColourToANearbyEntry()
    {
        for (int r = 0; r < 256; r += 15)
        {
            for (int g = 0; g < 256; g += 15)
            {
                for (int b = 0; b < 256; b += 15)
                {
                    (byte pr, byte pg, byte pb) = GifWriter.Colour(GifWriter.Index((byte)r, (byte)g, (byte)b));
                    Assert.That(Math.Abs(pr - r), Is.LessThanOrEqualTo(26));
                    Assert.That(Math.Abs(pg - g), Is.LessThanOrEqualTo(22));
                    Assert.That(Math.Abs(pb - b), Is.LessThanOrEqualTo(26));
                }
            }
        }
    }
}
