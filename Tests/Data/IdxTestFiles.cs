using System.Buffers.Binary;
using System.IO.Compression;

namespace Engine.Tests.Data;

/// <summary>Writes tiny IDX files (MNIST layout) for the tests.</summary>
internal static class IdxTestFiles
{
    /// <summary>Writes a ubyte IDX file with the given dimensions; gzip-compressed when <paramref name="gzip"/>.</summary>
    public static void Write(string path, int[] dims, byte[] values, bool gzip)
    {
        using var buffer = new MemoryStream();
        buffer.Write([0, 0, 0x08, (byte)dims.Length]);
        Span<byte> word = stackalloc byte[4];
        foreach (int d in dims)
        {
            BinaryPrimitives.WriteInt32BigEndian(word, d);
            buffer.Write(word);
        }
        buffer.Write(values);
        using FileStream file = File.Create(path);
        if (gzip)
        {
            using var z = new GZipStream(file, CompressionLevel.Fastest);
            buffer.WriteTo(z);
        }
        else
        {
            buffer.WriteTo(file);
        }
    }

    /// <summary>
    /// Writes <c>{prefix}-images-idx3-ubyte.gz</c> and <c>{prefix}-labels-idx1-ubyte.gz</c> in <paramref name="dir"/>:
    /// sample i is an h×w image whose pixels are (i·17 + p·3) mod 256, with label i mod <paramref name="classes"/>.
    /// </summary>
    public static string WriteSet(string dir, string prefix, int count, int h, int w, int classes, bool gzip = true)
    {
        var pixels = new byte[count * h * w];
        for (int i = 0; i < count; i++)
        {
            for (int p = 0; p < h * w; p++)
            {
                pixels[i * h * w + p] = (byte)((i * 17 + p * 3) % 256);
            }
        }
        var labels = new byte[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = (byte)(i % classes);
        }
        string ext = gzip ? ".gz" : "";
        string images = Path.Combine(dir, $"{prefix}-images-idx3-ubyte{ext}");
        Write(images, [count, h, w], pixels, gzip);
        Write(Path.Combine(dir, $"{prefix}-labels-idx1-ubyte{ext}"), [count], labels, gzip);
        return images;
    }
}
