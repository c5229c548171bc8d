using System.Globalization;
using Engine.Data;
using Engine.Proto;
using SkiaSharp;

namespace Engine.Layers;

/// <summary>
/// Reads images listed in <c>image_data_param.source</c>, a text file of "relative/path label" lines (the path is
/// prefixed with <c>root_folder</c>), decodes them with SkiaSharp, optionally resizes them (bilinear) to
/// new_height × new_width, applies <c>transform_param</c>, and emits top 0 (batch, C, H, W) and optionally top 1 labels
/// (batch). As in Caffe, colour images are stored as <b>BGR</b> channels in C×H×W order with raw 0–255 values; with
/// is_color false a single grey channel (0.299 R + 0.587 G + 0.114 B). Without resizing, every image must have the size
/// of the first one. The list wraps around; with shuffle it is reshuffled (by the layer's generator) every pass.
/// </summary>
[Layer("ImageData", Summary = "Images (PNG/JPEG/...) listed with labels in a text file; BGR C×H×W, optional resize, gray, shuffle.")]
public sealed class ImageDataLayer : Layer, IShardedData
{
    private readonly List<(string Path, float Label, int Line)> _lines = [];
    private DataTransformer? _transformer;
    private DataSet? _sample;
    private float[] _raw = [];
    private readonly EngineRandom _sampleRandom = new(0);
    private int _batchSize;
    private int _shardRank;
    private int _shardCount = 1;
    private int _channels;
    private int _height;
    private int _width;
    private int _position;
    private bool _shuffle;

    /// <summary>Creates the layer.</summary>
    public ImageDataLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    public override int ExactNumBottomBlobs => 0;

    /// <inheritdoc />
    public override int MinTopBlobs => 1;

    /// <inheritdoc />
    public override int MaxTopBlobs => 2;

    /// <summary>Number of images listed in the source file.</summary>
    public int ImageCount => _lines.Count;

    /// <inheritdoc />
    public override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ImageDataParameter p = Param.ImageDataParam ?? throw Error("needs image_data_param { source: ... batch_size: ... }.");
        if (p.BatchSize == 0)
        {
            throw Error("image_data_param.batch_size must be > 0.");
        }
        if ((p.NewHeight == 0) != (p.NewWidth == 0))
        {
            throw Error($"image_data_param: give both new_height and new_width or neither (got {p.NewHeight} and {p.NewWidth}).");
        }
        _batchSize = (int)p.BatchSize;
        ReadList(p.Source, p.RootFolder);
        _shuffle = p.Shuffle;
        if (_shuffle)
        {
            Shuffle();
        }
        _position = p.RandSkip > 0 ? Random.NextInt((int)Math.Min(p.RandSkip, int.MaxValue)) % _lines.Count : 0;
        _channels = p.IsColor ? 3 : 1;
        try
        {
            // The first image fixes the shape when no resize is asked for, as in Caffe.
            (_height, _width) = p.NewHeight > 0 ? ((int)p.NewHeight, (int)p.NewWidth) : ImageSize(_lines[0]);
            _raw = new float[_channels * _height * _width];
            _sample = new DataSet(_raw, 1, _channels, _height, _width, null, p.Source);
            _transformer = new DataTransformer(Param.TransformParam, Phase, _channels, _height, _width);
        }
        catch (DataSourceException e)
        {
            throw Error(e.Message);
        }
        top[0].Reshape(_batchSize, _channels, _transformer.OutHeight, _transformer.OutWidth);
        if (top.Count > 1)
        {
            top[1].Reshape(_batchSize);
        }
    }

    private void ReadList(string source, string rootFolder)
    {
        if (!File.Exists(source))
        {
            throw Error($"image_data_param.source '{source}' does not exist.");
        }
        int lineNumber = 0;
        foreach (string raw in File.ReadLines(source))
        {
            lineNumber++;
            string line = raw.Trim();
            if (line.Length == 0)
            {
                continue;
            }
            // The label is the last field, so paths may contain spaces (Caffe splits at the last space too).
            int split = line.LastIndexOfAny([' ', '\t']);
            if (split <= 0 || !float.TryParse(line.AsSpan(split + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out float label))
            {
                throw Error($"{source}:{lineNumber}:1: expected 'relative/path label', got '{line}'.");
            }
            _lines.Add((rootFolder + line[..split].TrimEnd(), label, lineNumber));
        }
        if (_lines.Count == 0)
        {
            throw Error($"image_data_param.source '{source}' lists no images.");
        }
    }

    private (int Height, int Width) ImageSize((string Path, float Label, int Line) entry)
    {
        using SKCodec codec = OpenCodec(entry);
        return (codec.Info.Height, codec.Info.Width);
    }

    private SKCodec OpenCodec((string Path, float Label, int Line) entry)
    {
        string where = $"{Param.ImageDataParam!.Source}:{entry.Line}";
        if (!File.Exists(entry.Path))
        {
            throw Error($"{where}: image '{entry.Path}' does not exist.");
        }
        return SKCodec.Create(entry.Path, out SKCodecResult result) ?? throw Error($"{where}: cannot decode image '{entry.Path}' ({result}).");
    }

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
    }

    /// <inheritdoc />
    public void SetShard(int rank, int count)
    {
        IShardedData.ThrowIfInvalidShard(rank, count);
        _shardRank = rank;
        _shardCount = count;
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        DataTransformer transformer = _transformer!;
        int size = transformer.OutSize;
        Span<float> data = top[0].MutableData;
        Span<float> labels = top.Count > 1 ? top[1].MutableData : default;
        // As a replica, walk the whole global batch (so every replica's list order stays the same) but decode only
        // this replica's slice of it.
        int first = _shardRank * _batchSize;
        for (int g = 0; g < _batchSize * _shardCount; g++)
        {
            int k = g - first;
            if (k >= 0 && k < _batchSize)
            {
                var entry = _lines[_position];
                LoadImage(entry);
                transformer.Transform(_sample!, 0, data.Slice(k * size, size), transformer.UsesRandom ? Random : _sampleRandom);
                if (top.Count > 1)
                {
                    labels[k] = entry.Label;
                }
            }
            _position++;
            if (_position == _lines.Count)
            {
                _position = 0;
                if (_shuffle)
                {
                    Shuffle();
                }
            }
        }
    }

    /// <summary>Decodes one image into <see cref="_raw"/> as BGR (or grey) C×H×W floats.</summary>
    private void LoadImage((string Path, float Label, int Line) entry)
    {
        using SKCodec codec = OpenCodec(entry);
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Bgra8888, SKAlphaType.Unpremul);
        using var decoded = new SKBitmap(info);
        SKCodecResult result = codec.GetPixels(info, decoded.GetPixels());
        if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
        {
            throw Error($"{Param.ImageDataParam!.Source}:{entry.Line}: cannot decode image '{entry.Path}' ({result}).");
        }
        SKBitmap bitmap = decoded;
        SKBitmap? resized = null;
        try
        {
            if (info.Width != _width || info.Height != _height)
            {
                if (Param.ImageDataParam!.NewHeight == 0)
                {
                    throw Error($"{Param.ImageDataParam.Source}:{entry.Line}: image '{entry.Path}' is {info.Height}x{info.Width} but the first image is {_height}x{_width}; set new_height/new_width to resize.");
                }
                resized = decoded.Resize(new SKImageInfo(_width, _height, SKColorType.Bgra8888, SKAlphaType.Unpremul), new SKSamplingOptions(SKFilterMode.Linear))
                    ?? throw Error($"{Param.ImageDataParam.Source}:{entry.Line}: cannot resize image '{entry.Path}'.");
                bitmap = resized;
            }
            ReadOnlySpan<byte> pixels = bitmap.GetPixelSpan();
            int plane = _height * _width;
            int rowBytes = bitmap.RowBytes;
            for (int h = 0; h < _height; h++)
            {
                ReadOnlySpan<byte> row = pixels.Slice(h * rowBytes, _width * 4);
                for (int w = 0; w < _width; w++)
                {
                    // Bgra8888 lays bytes out as B, G, R, A: Caffe's channel order falls out directly.
                    byte b = row[w * 4], g = row[w * 4 + 1], r = row[w * 4 + 2];
                    int at = h * _width + w;
                    if (_channels == 3)
                    {
                        _raw[at] = b;
                        _raw[plane + at] = g;
                        _raw[2 * plane + at] = r;
                    }
                    else
                    {
                        _raw[at] = MathF.Round(0.299f * r + 0.587f * g + 0.114f * b);
                    }
                }
            }
        }
        finally
        {
            resized?.Dispose();
        }
    }

    private void Shuffle()
    {
        for (int i = _lines.Count - 1; i > 0; i--)
        {
            int j = Random.NextInt(i + 1);
            (_lines[i], _lines[j]) = (_lines[j], _lines[i]);
        }
    }
}
