using System.Buffers.Binary;
using System.IO.Compression;

namespace Engine.Data;

/// <summary>
/// Reads IDX files (the MNIST / Fashion-MNIST format), raw or gzip-compressed (detected by the gzip magic bytes, not
/// the file name). Layout: two zero bytes, a type code (0x08 ubyte, 0x09 sbyte, 0x0B int16, 0x0C int32, 0x0D float32,
/// 0x0E float64), the number of dimensions, each dimension as a big-endian int32, then the values big-endian, row-major.
/// </summary>
public static class IdxFile
{
    /// <summary>The dimensions and values of an IDX file; <see cref="Bytes"/> is set for ubyte files, <see cref="Floats"/> otherwise.</summary>
    public sealed record Content(int[] Dims, byte[]? Bytes, float[]? Floats);

    /// <summary>Reads a whole IDX file.</summary>
    /// <exception cref="DataSourceException">Bad magic, unknown type code, a size beyond the limit, or truncated data (names the file and the byte offset).</exception>
    public static Content Read(string path)
    {
        using Stream stream = OpenMaybeGzip(path);
        return Read(stream, path);
    }

    /// <summary>Same as <see cref="Read(string)"/> for a file already in memory; <paramref name="name"/> stands for the file in messages.</summary>
    /// <exception cref="DataSourceException">Bad magic, unknown type code, a size beyond the limit, or truncated data.</exception>
    public static Content Parse(byte[] bytes, string name)
    {
        using Stream stream = BoundedReader.OpenMaybeGzip(bytes);
        return Read(stream, name);
    }

    /// <summary>Opens a file, transparently decompressing it when it starts with the gzip magic bytes 1F 8B.</summary>
    public static Stream OpenMaybeGzip(string path)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        int b0 = file.ReadByte(), b1 = file.ReadByte();
        file.Position = 0;
        if (b0 == 0x1F && b1 == 0x8B)
        {
            return new BufferedStream(new GZipStream(file, CompressionMode.Decompress), 1 << 16);
        }
        return file;
    }

    private static Content Read(Stream stream, string path)
    {
        var reader = new BoundedReader(stream, path);
        Span<byte> header = stackalloc byte[4];
        reader.ReadExactly(header, "header");
        if (header[0] != 0 || header[1] != 0)
        {
            throw new DataSourceException($"{path}: not an IDX file (magic {header[0]:X2} {header[1]:X2} {header[2]:X2} {header[3]:X2}; expected 00 00 <type> <dims>).");
        }
        int type = header[2];
        int rank = header[3];
        int elementSize = type switch
        {
            0x08 or 0x09 => 1,
            0x0B => 2,
            0x0C or 0x0D => 4,
            0x0E => 8,
            _ => throw new DataSourceException($"{path}: unknown IDX type code 0x{type:X2} at byte 2."),
        };
        if (rank == 0)
        {
            throw new DataSourceException($"{path}: IDX file with 0 dimensions (byte 3).");
        }
        var dims = new int[rank];
        long count = 1;
        Span<byte> word = stackalloc byte[4];
        for (int i = 0; i < rank; i++)
        {
            reader.ReadExactly(word, $"dimension {i}");
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(word);
            if (dims[i] < 0)
            {
                throw new DataSourceException($"{path}: negative dimension {dims[i]} at byte {reader.Offset - 4}.");
            }
            // Saturating: the product of up to 255 dimensions must not wrap around to a small number.
            count = Math.Min(count * dims[i], (long)Array.MaxLength + 1);
        }
        byte[] raw = reader.ReadPayload(count * elementSize, $"{string.Join("x", dims)} values");
        if (type == 0x08)
        {
            return new Content(dims, raw, null);
        }
        var values = new float[count];
        for (int i = 0; i < values.Length; i++)
        {
            ReadOnlySpan<byte> v = raw.AsSpan(i * elementSize, elementSize);
            values[i] = type switch
            {
                0x09 => (sbyte)v[0],
                0x0B => BinaryPrimitives.ReadInt16BigEndian(v),
                0x0C => BinaryPrimitives.ReadInt32BigEndian(v),
                0x0D => BinaryPrimitives.ReadSingleBigEndian(v),
                _ => (float)BinaryPrimitives.ReadDoubleBigEndian(v),
            };
        }
        return new Content(dims, null, values);
    }
}
