using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;

namespace Engine.Data;

/// <summary>
/// Reads NumPy <c>.npy</c> files (format versions 1–3, C order) of dtype u1, i1, i2, i4, i8, f4 or f8, little- or
/// big-endian. Gzip-compressed files are accepted too.
/// </summary>
public static partial class NpyFile
{
    /// <summary>Largest header accepted; NumPy's own writers produce a few hundred bytes.</summary>
    internal const int MaxHeaderBytes = 1 << 16;

    /// <summary>Reads a whole file; ubyte data stays bytes (<see cref="IdxFile.Content.Bytes"/>), other types become floats.</summary>
    /// <exception cref="DataSourceException">Bad magic, unsupported dtype or Fortran order, a size beyond the limit, truncated data.</exception>
    public static IdxFile.Content Read(string path)
    {
        using Stream stream = IdxFile.OpenMaybeGzip(path);
        return Read(stream, path);
    }

    /// <summary>Same as <see cref="Read(string)"/> for a file already in memory; <paramref name="name"/> stands for the file in messages.</summary>
    /// <exception cref="DataSourceException">Bad magic, unsupported dtype or Fortran order, a size beyond the limit, truncated data.</exception>
    public static IdxFile.Content Parse(byte[] bytes, string name)
    {
        using Stream stream = BoundedReader.OpenMaybeGzip(bytes);
        return Read(stream, name);
    }

    private static IdxFile.Content Read(Stream stream, string path)
    {
        var reader = new BoundedReader(stream, path);
        Span<byte> magic = stackalloc byte[8];
        reader.ReadExactly(magic, "magic");
        if (magic[0] != 0x93 || Encoding.ASCII.GetString(magic[1..6]) != "NUMPY")
        {
            throw new DataSourceException($"{path}: not a .npy file (missing \\x93NUMPY magic).");
        }
        int major = magic[6];
        if (major is < 1 or > 3)
        {
            throw new DataSourceException($"{path}: .npy format version {major} at byte 6 is not supported (1, 2 or 3).");
        }
        Span<byte> lengthBytes = stackalloc byte[major == 1 ? 2 : 4];
        reader.ReadExactly(lengthBytes, "header length");
        long headerLength = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(lengthBytes) : BinaryPrimitives.ReadUInt32LittleEndian(lengthBytes);
        if (headerLength > MaxHeaderBytes)
        {
            throw new DataSourceException($"{path}: the .npy header claims {headerLength} bytes at byte 8; the limit is {MaxHeaderBytes}.");
        }
        long headerStart = reader.Offset;
        string header = Encoding.Latin1.GetString(reader.ReadPayload(headerLength, "header"));
        Match descr = DescrPattern().Match(header);
        Match shape = ShapePattern().Match(header);
        if (!descr.Success || !shape.Success)
        {
            throw new DataSourceException($"{path}: cannot read the .npy header '{header.Trim()}' (bytes {headerStart}-{reader.Offset}).");
        }
        if (FortranPattern().IsMatch(header))
        {
            throw new DataSourceException($"{path}: Fortran-ordered arrays are not supported; save with np.ascontiguousarray.");
        }
        string[] dimTexts = shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var dims = new int[dimTexts.Length];
        long count = 1;
        for (int i = 0; i < dims.Length; i++)
        {
            if (!int.TryParse(dimTexts[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out dims[i]))
            {
                throw new DataSourceException($"{path}: .npy shape entry '{dimTexts[i]}' (header at byte {headerStart}) is not a dimension from 0 to {int.MaxValue}.");
            }
            // Saturating, so that many large dimensions cannot wrap around to a small product.
            count = Math.Min(count * dims[i], (long)Array.MaxLength + 1);
        }
        if (dims.Length == 0)
        {
            throw new DataSourceException($"{path}: a 0-dimensional array holds no samples.");
        }
        string dtype = descr.Groups[1].Value;
        bool big = dtype[0] == '>';
        string kind = dtype[1..];
        int size = kind switch
        {
            "u1" or "i1" or "b1" => 1,
            "i2" or "u2" => 2,
            "i4" or "u4" or "f4" => 4,
            "i8" or "u8" or "f8" => 8,
            _ => throw new DataSourceException($"{path}: unsupported dtype '{dtype}' (use uint8, int8/16/32/64 or float32/64)."),
        };
        byte[] raw = reader.ReadPayload(count * size, $"{string.Join("x", dims)} values of dtype {dtype}");
        if (kind is "u1" or "b1")
        {
            return new IdxFile.Content(dims, raw, null);
        }
        var values = new float[count];
        for (int i = 0; i < values.Length; i++)
        {
            ReadOnlySpan<byte> v = raw.AsSpan(i * size, size);
            values[i] = kind switch
            {
                "i1" => (sbyte)v[0],
                "i2" => big ? BinaryPrimitives.ReadInt16BigEndian(v) : BinaryPrimitives.ReadInt16LittleEndian(v),
                "u2" => big ? BinaryPrimitives.ReadUInt16BigEndian(v) : BinaryPrimitives.ReadUInt16LittleEndian(v),
                "i4" => big ? BinaryPrimitives.ReadInt32BigEndian(v) : BinaryPrimitives.ReadInt32LittleEndian(v),
                "u4" => big ? BinaryPrimitives.ReadUInt32BigEndian(v) : BinaryPrimitives.ReadUInt32LittleEndian(v),
                "i8" => big ? BinaryPrimitives.ReadInt64BigEndian(v) : BinaryPrimitives.ReadInt64LittleEndian(v),
                "u8" => big ? BinaryPrimitives.ReadUInt64BigEndian(v) : BinaryPrimitives.ReadUInt64LittleEndian(v),
                "f4" => big ? BinaryPrimitives.ReadSingleBigEndian(v) : BinaryPrimitives.ReadSingleLittleEndian(v),
                _ => (float)(big ? BinaryPrimitives.ReadDoubleBigEndian(v) : BinaryPrimitives.ReadDoubleLittleEndian(v)),
            };
        }
        return new IdxFile.Content(dims, null, values);
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([<>|=][a-z]\d)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*True")]
    private static partial Regex FortranPattern();
}
