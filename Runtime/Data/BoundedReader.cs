using System.IO.Compression;

namespace Engine.Data;

/// <summary>
/// Reads the pieces of a binary data file so that a header claiming gigabytes costs nothing until the bytes are
/// really there: a seekable stream is checked against its remaining length before anything is allocated, and a
/// compressed stream's buffer grows only as decompressed data arrives.
/// </summary>
internal sealed class BoundedReader(Stream stream, string name)
{
    private const int FirstChunk = 1 << 20;

    /// <summary>Bytes consumed so far (the offset quoted in messages).</summary>
    public long Offset { get; private set; }

    /// <summary>Opens <paramref name="bytes"/>, decompressing them when they start with the gzip magic bytes 1F 8B.</summary>
    public static Stream OpenMaybeGzip(byte[] bytes)
    {
        var memory = new MemoryStream(bytes, writable: false);
        return bytes.Length >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
            ? new GZipStream(memory, CompressionMode.Decompress)
            : memory;
    }

    /// <summary>Fills <paramref name="buffer"/> or throws a <see cref="DataSourceException"/> naming <paramref name="what"/> and the offset.</summary>
    public void ReadExactly(Span<byte> buffer, string what)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = Read(buffer[total..]);
            if (n == 0)
            {
                throw new DataSourceException($"{name}: truncated at byte {Offset} while reading the {what} ({total} of {buffer.Length} bytes).");
            }
            total += n;
            Offset += n;
        }
    }

    /// <summary>
    /// Reads <paramref name="length"/> bytes into a new array; refuses lengths beyond <see cref="Array.MaxLength"/> and,
    /// on a seekable stream, lengths beyond what is left, before allocating.
    /// </summary>
    public byte[] ReadPayload(long length, string what)
    {
        if (length > Array.MaxLength)
        {
            throw new DataSourceException($"{name}: the {what} claim {length} bytes at byte {Offset}; the limit is {Array.MaxLength} bytes.");
        }
        if (stream.CanSeek && stream.Length - stream.Position < length)
        {
            throw new DataSourceException($"{name}: truncated at byte {Offset}: the {what} need {length} bytes but only {stream.Length - stream.Position} follow.");
        }
        if (stream.CanSeek)
        {
            var exact = new byte[length];
            ReadExactly(exact, what);
            return exact;
        }
        var buffer = new byte[Math.Min(length, FirstChunk)];
        int filled = 0;
        while (filled < length)
        {
            if (filled == buffer.Length)
            {
                Array.Resize(ref buffer, (int)Math.Min(length, 2L * buffer.Length));
            }
            int n = Read(buffer.AsSpan(filled));
            if (n == 0)
            {
                throw new DataSourceException($"{name}: truncated at byte {Offset} while reading the {what} ({filled} of {length} bytes).");
            }
            filled += n;
            Offset += n;
        }
        return buffer;
    }

    private int Read(Span<byte> buffer)
    {
        try
        {
            return stream.Read(buffer);
        }
        catch (InvalidDataException e)
        {
            throw new DataSourceException($"{name}: corrupt gzip stream near byte {Offset} ({e.Message}).", e);
        }
    }
}
