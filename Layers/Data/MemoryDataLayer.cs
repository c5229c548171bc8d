using Engine.Data;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Serves batches from arrays handed in by code through <see cref="Reset"/>: top 0 is (batch_size, channels, height,
/// width), optional top 1 the labels (batch_size). Batches come in order and wrap around at the end. As one replica of
/// data-parallel training it serves its shard of each global batch (<see cref="SetShard"/>).
/// </summary>
[Layer("MemoryData", Summary = "Batches from in-memory arrays set by code (Reset); wraps around.")]
public sealed class MemoryDataLayer : Layer, IShardedData
{
    private float[] _data = [];
    private float[] _labels = [];
    private int _count;
    private int _position;
    private int _shardRank;
    private int _shardCount = 1;

    /// <summary>Creates the layer.</summary>
    public MemoryDataLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    public override int ExactNumBottomBlobs => 0;

    /// <inheritdoc />
    public override int MinTopBlobs => 1;

    /// <inheritdoc />
    public override int MaxTopBlobs => 2;

    /// <summary>Samples per batch.</summary>
    public int BatchSize { get; private set; }

    /// <summary>Values per sample (channels·height·width).</summary>
    public int SampleSize { get; private set; }

    /// <summary>Index of the first sample of the next (global) batch.</summary>
    public int Position => _position;

    /// <summary>Number of samples currently held.</summary>
    public int SampleCount => _count;

    /// <inheritdoc />
    public void SetShard(int rank, int count)
    {
        IShardedData.ThrowIfInvalidShard(rank, count);
        _shardRank = rank;
        _shardCount = count;
    }

    /// <inheritdoc />
    public override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        MemoryDataParameter p = Param.MemoryDataParam ?? new MemoryDataParameter();
        if (p.BatchSize == 0 || p.Channels == 0 || p.Height == 0 || p.Width == 0)
        {
            throw Error($"batch_size, channels, height and width must all be positive, got {p.BatchSize}, {p.Channels}, {p.Height}, {p.Width}.");
        }
        BatchSize = (int)p.BatchSize;
        long sample = (long)p.Channels * p.Height * p.Width;
        if (sample * BatchSize > int.MaxValue)
        {
            throw Error("batch_size·channels·height·width is too large.");
        }
        SampleSize = (int)sample;
        top[0].Reshape(BatchSize, (int)p.Channels, (int)p.Height, (int)p.Width);
        if (top.Count > 1)
        {
            top[1].Reshape(BatchSize);
        }
    }

    /// <summary>
    /// Replaces the samples served: <paramref name="count"/> samples of <see cref="SampleSize"/> values each, and one
    /// label per sample (may be empty when the layer has no label top). The data is copied; serving restarts at sample 0.
    /// </summary>
    /// <exception cref="LayerException">Sizes do not match, or <paramref name="count"/> is not a positive multiple of the batch size.</exception>
    public void Reset(ReadOnlySpan<float> data, ReadOnlySpan<float> labels, int count)
    {
        if (count <= 0 || count % BatchSize != 0)
        {
            throw Error($"Reset needs a positive multiple of batch_size {BatchSize} samples, got {count}.");
        }
        if (data.Length != (long)count * SampleSize)
        {
            throw Error($"Reset got {data.Length} data values for {count} samples of {SampleSize} values.");
        }
        if (labels.Length != count && labels.Length != 0)
        {
            throw Error($"Reset got {labels.Length} labels for {count} samples.");
        }
        if (_data.Length < data.Length)
        {
            _data = new float[data.Length];
        }
        if (_labels.Length < count)
        {
            _labels = new float[count];
        }
        data.CopyTo(_data);
        if (labels.Length == 0)
        {
            Array.Clear(_labels, 0, count);
        }
        else
        {
            labels.CopyTo(_labels);
        }
        _count = count;
        _position = 0;
    }

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (_count == 0)
        {
            throw Error("has no data: call Reset(data, labels, count) before running forward.");
        }
        if (_shardCount == 1)
        {
            _data.AsSpan(_position * SampleSize, BatchSize * SampleSize).CopyTo(top[0].MutableData);
            if (top.Count > 1)
            {
                _labels.AsSpan(_position, BatchSize).CopyTo(top[1].MutableData);
            }
            _position = (_position + BatchSize) % _count;
            return;
        }
        // A replica's slice of the global batch may wrap around the end of the samples, so copy sample by sample.
        Span<float> data = top[0].MutableData;
        for (int k = 0; k < BatchSize; k++)
        {
            int sample = (int)(((long)_position + (long)_shardRank * BatchSize + k) % _count);
            _data.AsSpan(sample * SampleSize, SampleSize).CopyTo(data.Slice(k * SampleSize, SampleSize));
            if (top.Count > 1)
            {
                top[1].MutableData[k] = _labels[sample];
            }
        }
        _position = (int)(((long)_position + (long)BatchSize * _shardCount) % _count);
    }
}
