namespace Engine.Samples.Simulation;

/// <summary>
/// Writes an animated GIF (GIF89a, looping) from RGBA frames, so the sample needs no external tool. Colours are mapped
/// to a fixed 6×7×6 colour cube (252 entries), which is plenty for the sample's flat-coloured drawings; pixels are
/// compressed with the format's variable-width LZW (codes of 9 to 12 bits, the table cleared when full).
/// </summary>
internal sealed class GifWriter : IDisposable
{
    private const int MinCodeSize = 8;
    private const int ClearCode = 1 << MinCodeSize;
    private const int EndCode = ClearCode + 1;
    private const int MaxCode = 4095;

    private readonly Stream _out;
    private readonly int _width;
    private readonly int _height;
    private readonly byte[] _indices;
    private readonly int[] _table = new int[4096 * 256];
    private readonly byte[] _block = new byte[255];
    private int _blockLength;
    private uint _bits;
    private int _bitCount;

    public GifWriter(Stream output, int width, int height, int delayCentiseconds)
    {
        _out = output;
        _width = width;
        _height = height;
        _indices = new byte[width * height];
        DelayCentiseconds = delayCentiseconds;
        WriteHeader();
    }

    public int DelayCentiseconds { get; }

    /// <summary>Palette index of an RGB colour (the nearest cube entry).</summary>
    public static byte Index(byte r, byte g, byte b) => (byte)((r * 5 + 127) / 255 * 42 + (g * 6 + 127) / 255 * 6 + (b * 5 + 127) / 255);

    /// <summary>The RGB colour a palette index stands for.</summary>
    public static (byte R, byte G, byte B) Colour(int index)
    {
        if (index >= 252)
        {
            return (0, 0, 0);
        }
        return ((byte)(index / 42 * 255 / 5), (byte)(index / 6 % 7 * 255 / 6), (byte)(index % 6 * 255 / 5));
    }

    /// <summary>Appends a frame of width×height RGBA pixels (row-major, 4 bytes each).</summary>
    public void AddFrame(ReadOnlySpan<byte> rgba)
    {
        if (rgba.Length != _width * _height * 4)
        {
            throw new ArgumentException($"A frame is {_width}×{_height} RGBA pixels ({_width * _height * 4} bytes), got {rgba.Length}.");
        }
        for (int i = 0; i < _indices.Length; i++)
        {
            _indices[i] = Index(rgba[4 * i], rgba[4 * i + 1], rgba[4 * i + 2]);
        }
        // Graphic control extension: no transparency, the frame's delay.
        _out.Write([0x21, 0xF9, 0x04, 0x00, (byte)DelayCentiseconds, (byte)(DelayCentiseconds >> 8), 0x00, 0x00]);
        // Image descriptor: the whole canvas, global palette, not interlaced.
        _out.WriteByte(0x2C);
        WriteShort(0);
        WriteShort(0);
        WriteShort(_width);
        WriteShort(_height);
        _out.WriteByte(0x00);
        _out.WriteByte(MinCodeSize);
        Compress();
        _out.WriteByte(0x00); // end of the image's data sub-blocks
    }

    private void WriteHeader()
    {
        _out.Write("GIF89a"u8);
        WriteShort(_width);
        WriteShort(_height);
        _out.WriteByte(0xF7); // global colour table of 256 entries, 8 bits of colour resolution
        _out.WriteByte(0x00);
        _out.WriteByte(0x00);
        for (int i = 0; i < 256; i++)
        {
            (byte r, byte g, byte b) = Colour(i);
            _out.WriteByte(r);
            _out.WriteByte(g);
            _out.WriteByte(b);
        }
        // Application extension asking viewers to loop forever.
        _out.Write([0x21, 0xFF, 0x0B]);
        _out.Write("NETSCAPE2.0"u8);
        _out.Write([0x03, 0x01, 0x00, 0x00, 0x00]);
    }

    private void Compress()
    {
        // _table[prefix * 256 + byte] holds the code of (prefix string + byte), 0 when absent.
        Array.Clear(_table);
        int codeSize = MinCodeSize + 1;
        int lastCode = EndCode;
        WriteCode(ClearCode, codeSize);
        int current = _indices[0];
        for (int i = 1; i < _indices.Length; i++)
        {
            int next = _indices[i];
            int slot = current * 256 + next;
            if (_table[slot] != 0)
            {
                current = _table[slot];
                continue;
            }
            WriteCode(current, codeSize);
            _table[slot] = ++lastCode;
            if (lastCode >= 1 << codeSize)
            {
                codeSize++;
            }
            if (lastCode == MaxCode)
            {
                WriteCode(ClearCode, codeSize);
                Array.Clear(_table);
                codeSize = MinCodeSize + 1;
                lastCode = EndCode;
            }
            current = next;
        }
        WriteCode(current, codeSize);
        WriteCode(ClearCode, codeSize);
        WriteCode(EndCode, MinCodeSize + 1);
        if (_bitCount > 0)
        {
            PutByte((byte)_bits);
            _bits = 0;
            _bitCount = 0;
        }
        FlushBlock();
    }

    private void WriteCode(int code, int size)
    {
        _bits |= (uint)code << _bitCount;
        _bitCount += size;
        while (_bitCount >= 8)
        {
            PutByte((byte)_bits);
            _bits >>= 8;
            _bitCount -= 8;
        }
    }

    private void PutByte(byte b)
    {
        _block[_blockLength++] = b;
        if (_blockLength == _block.Length)
        {
            FlushBlock();
        }
    }

    private void FlushBlock()
    {
        if (_blockLength == 0)
        {
            return;
        }
        _out.WriteByte((byte)_blockLength);
        _out.Write(_block, 0, _blockLength);
        _blockLength = 0;
    }

    private void WriteShort(int v)
    {
        _out.WriteByte((byte)v);
        _out.WriteByte((byte)(v >> 8));
    }

    /// <summary>Writes the trailer; the stream stays open.</summary>
    public void Dispose() => _out.WriteByte(0x3B);
}
