namespace Engine.Data;

/// <summary>
/// Labelled samples held in memory, each of shape (channels, height, width). Pixels are kept as bytes when the file
/// stores bytes (a quarter of the memory), otherwise as floats.
/// </summary>
public sealed class DataSet
{
    private readonly byte[]? _bytes;
    private readonly float[]? _floats;
    private readonly float[]? _labels;

    /// <summary>Creates a data set over byte pixels.</summary>
    public DataSet(byte[] pixels, int count, int channels, int height, int width, float[]? labels, string source)
        : this(count, channels, height, width, labels, source, pixels.Length)
    {
        _bytes = pixels;
    }

    /// <summary>Creates a data set over float pixels.</summary>
    public DataSet(float[] pixels, int count, int channels, int height, int width, float[]? labels, string source)
        : this(count, channels, height, width, labels, source, pixels.Length)
    {
        _floats = pixels;
    }

    private DataSet(int count, int channels, int height, int width, float[]? labels, string source, long length)
    {
        if (count <= 0 || channels <= 0 || height <= 0 || width <= 0)
        {
            throw new DataSourceException($"{source}: holds {count} sample(s) of shape {channels}x{height}x{width}; need at least one non-empty sample.");
        }
        if (length != (long)count * channels * height * width)
        {
            throw new DataSourceException($"{source}: {length} values do not make {count} samples of {channels}x{height}x{width}.");
        }
        if (labels is not null && labels.Length != count)
        {
            throw new DataSourceException($"{source}: {count} samples but {labels.Length} labels.");
        }
        Count = count;
        Channels = channels;
        Height = height;
        Width = width;
        _labels = labels;
        Source = source;
    }

    /// <summary>Number of samples.</summary>
    public int Count { get; }

    /// <summary>Channels per sample.</summary>
    public int Channels { get; }

    /// <summary>Rows per sample.</summary>
    public int Height { get; }

    /// <summary>Columns per sample.</summary>
    public int Width { get; }

    /// <summary>Values per sample.</summary>
    public int SampleSize => Channels * Height * Width;

    /// <summary>True when labels were found.</summary>
    public bool HasLabels => _labels is not null;

    /// <summary>Where the samples came from (for messages).</summary>
    public string Source { get; }

    /// <summary>Label of sample <paramref name="index"/> (0 when there are no labels).</summary>
    public float Label(int index) => _labels is null ? 0f : _labels[index];

    /// <summary>Copies sample <paramref name="index"/>'s raw values (C×H×W) into <paramref name="destination"/>.</summary>
    public void CopySample(int index, Span<float> destination)
    {
        int size = SampleSize;
        long start = (long)index * size;
        if (_bytes is not null)
        {
            ReadOnlySpan<byte> src = _bytes.AsSpan((int)start, size);
            for (int i = 0; i < size; i++)
            {
                destination[i] = src[i];
            }
        }
        else
        {
            _floats.AsSpan((int)start, size).CopyTo(destination);
        }
    }

    /// <summary>Raw value <paramref name="offset"/> within sample <paramref name="index"/>.</summary>
    public float Value(int index, int offset)
    {
        long i = (long)index * SampleSize + offset;
        return _bytes is not null ? _bytes[i] : _floats![i];
    }
}
