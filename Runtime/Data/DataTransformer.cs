using Engine.Formats;
using Engine.Proto;

namespace Engine.Data;

/// <summary>
/// Applies <c>transform_param</c> to one sample: value = (x − mean)·scale, with the mean from mean_file (indexed at the
/// uncropped position) or mean_value (one value, or one per channel); crop_size takes a random window in TRAIN and the
/// centred one in TEST; mirror flips horizontally with probability ½ in both phases. Not thread-safe: one per thread.
/// </summary>
public sealed class DataTransformer
{
    private readonly float _scale;
    private readonly int _crop;
    private readonly bool _mirror;
    private readonly bool _train;
    private readonly float[]? _meanImage;
    private readonly float[] _meanValues;
    private readonly float[] _raw;

    /// <summary>Creates a transformer for samples of shape <paramref name="channels"/>×<paramref name="height"/>×<paramref name="width"/>.</summary>
    /// <exception cref="DataSourceException">crop_size larger than the sample, mean_value count not 1 or C, mean_file shape mismatch, or both mean kinds given.</exception>
    public DataTransformer(TransformationParameter? param, Phase phase, int channels, int height, int width)
    {
        param ??= new TransformationParameter();
        Channels = channels;
        Height = height;
        Width = width;
        _scale = param.Scale;
        _crop = (int)param.CropSize;
        _mirror = param.Mirror;
        _train = phase == Phase.Train;
        _raw = new float[channels * height * width];
        if (_crop > height || _crop > width)
        {
            throw new DataSourceException($"transform_param.crop_size {_crop} is larger than the {height}x{width} samples.");
        }
        if (param.HasMeanFile && param.MeanValue.Count > 0)
        {
            throw new DataSourceException("transform_param: give mean_file or mean_value, not both.");
        }
        if (param.HasMeanFile)
        {
            BlobProto mean = WeightsFile.ReadBlob(param.MeanFile);
            long count = mean.StoredDataCount();
            if (count != _raw.Length)
            {
                throw new DataSourceException($"transform_param.mean_file '{param.MeanFile}' holds {count} values (shape {string.Join("x", mean.GetShape())}); the samples are {channels}x{height}x{width}.");
            }
            _meanImage = new float[count];
            mean.CopyDataTo(_meanImage);
        }
        int given = param.MeanValue.Count;
        if (given > 1 && given != channels)
        {
            throw new DataSourceException($"transform_param has {given} mean_value entries for {channels}-channel samples; give one, or one per channel.");
        }
        _meanValues = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            _meanValues[c] = given == 0 ? 0f : param.MeanValue[given == 1 ? 0 : c];
        }
    }

    /// <summary>Channels of a sample.</summary>
    public int Channels { get; }

    /// <summary>Rows of an input sample.</summary>
    public int Height { get; }

    /// <summary>Columns of an input sample.</summary>
    public int Width { get; }

    /// <summary>Rows of an output sample (crop_size, or the input height).</summary>
    public int OutHeight => _crop > 0 ? _crop : Height;

    /// <summary>Columns of an output sample.</summary>
    public int OutWidth => _crop > 0 ? _crop : Width;

    /// <summary>Values of an output sample.</summary>
    public int OutSize => Channels * OutHeight * OutWidth;

    /// <summary>True when the transform draws random numbers (random crop in TRAIN, or mirror).</summary>
    public bool UsesRandom => (_crop > 0 && _train) || _mirror;

    /// <summary>Writes transformed sample <paramref name="index"/> of <paramref name="set"/> into <paramref name="destination"/>.</summary>
    public void Transform(DataSet set, int index, Span<float> destination, EngineRandom random)
    {
        set.CopySample(index, _raw);
        int oh = OutHeight, ow = OutWidth;
        int hOff = 0, wOff = 0;
        if (_crop > 0)
        {
            if (_train)
            {
                hOff = random.NextInt(Height - _crop + 1);
                wOff = random.NextInt(Width - _crop + 1);
            }
            else
            {
                hOff = (Height - _crop) / 2;
                wOff = (Width - _crop) / 2;
            }
        }
        bool flip = _mirror && random.NextInt(2) == 1;
        for (int c = 0; c < Channels; c++)
        {
            float meanValue = _meanValues[c];
            for (int h = 0; h < oh; h++)
            {
                int srcRow = (c * Height + h + hOff) * Width + wOff;
                int dstRow = (c * oh + h) * ow;
                for (int w = 0; w < ow; w++)
                {
                    int src = srcRow + w;
                    float mean = _meanImage is null ? meanValue : _meanImage[src];
                    destination[dstRow + (flip ? ow - 1 - w : w)] = (_raw[src] - mean) * _scale;
                }
            }
        }
    }
}
