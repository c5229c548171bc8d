using Engine.Data;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Reads labelled samples from <c>data_param.source</c> (IDX files such as Fashion-MNIST, gzip or raw; a directory of
/// them; NumPy <c>.npy</c>; or an LMDB database of Datum records with <c>backend: LMDB</c>; see <see cref="DataSources"/> for the naming conventions), applies <c>transform_param</c>
/// on a background prefetch thread, and emits top 0 (batch, C, H, W) and optionally top 1 labels (batch).
/// The stream is endless: TRAIN reshuffles every epoch with a permutation derived from the net's seed and the epoch
/// number; TEST reads in file order. A batch depends only on its start position, so the layer can seek (resume).
/// </summary>
[Layer("Data", Summary = "Labelled samples from IDX (MNIST/Fashion-MNIST), .npy files or LMDB Datum databases, prefetched and shuffled per epoch.")]
public sealed class DataLayer : Layer, ISeekableData, IShardedData
{
    private DataSet? _set;
    private DataTransformer? _transformer;
    private BatchPrefetcher? _prefetcher;
    private int[] _permutation = [];
    private long _permutationEpoch = -1;
    private readonly EngineRandom _sampleRandom = new(0);
    private ulong _seed;
    private int _batchSize;
    private bool _shuffle;
    private int _shardRank;
    private int _shardCount = 1;
    private long _fillBase;

    /// <summary>Creates the layer.</summary>
    public DataLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    public override int ExactNumBottomBlobs => 0;

    /// <inheritdoc />
    public override int MinTopBlobs => 1;

    /// <inheritdoc />
    public override int MaxTopBlobs => 2;

    /// <summary>The samples being read.</summary>
    public DataSet DataSet => _set ?? throw Error("is not set up.");

    /// <inheritdoc />
    public long Position { get; private set; }

    /// <inheritdoc />
    public void Seek(long position)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        _prefetcher?.Stop();
        Position = position;
    }

    /// <inheritdoc />
    public ulong StreamSeed
    {
        get => _seed;
        set
        {
            _prefetcher?.Stop();
            _seed = value;
            _permutationEpoch = -1;
        }
    }

    /// <inheritdoc />
    public void SetShard(int rank, int count)
    {
        IShardedData.ThrowIfInvalidShard(rank, count);
        _prefetcher?.Stop();
        _shardRank = rank;
        _shardCount = count;
    }

    /// <inheritdoc />
    public override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        DataParameter p = Param.DataParam ?? throw Error("needs data_param { source: ... batch_size: ... }.");
        if (p.BatchSize == 0)
        {
            throw Error("data_param.batch_size must be > 0.");
        }
        _batchSize = (int)p.BatchSize;
        try
        {
            _set = DataSources.Open(p.Source, Phase == Phase.Train, needLabels: top.Count > 1, lmdb: p.Backend == DataParameter.Types.DB.Lmdb);
            _transformer = new DataTransformer(Param.TransformParam, Phase, _set.Channels, _set.Height, _set.Width);
        }
        catch (DataSourceException e)
        {
            throw Error(e.Message);
        }
        // One draw from the net's generator: the layer's stream then depends only on the net seed, never on timing.
        _seed = ((ulong)Random.NextUInt() << 32) | Random.NextUInt();
        _shuffle = Phase == Phase.Train;
        Position = p.RandSkip > 0 ? (long)(_seed % (p.RandSkip + 1)) : 0;
        _prefetcher = new BatchPrefetcher((int)p.Prefetch, _batchSize, _transformer.OutSize, Fill, $"Data layer '{Name}' prefetch");
        top[0].Reshape(_batchSize, _set.Channels, _transformer.OutHeight, _transformer.OutWidth);
        if (top.Count > 1)
        {
            top[1].Reshape(_batchSize);
        }
    }

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        BatchPrefetcher prefetcher = _prefetcher!;
        if (!prefetcher.Running)
        {
            // The prefetcher counts this replica's samples from 0; Fill maps them into the global stream.
            _fillBase = Position;
            prefetcher.Start(0);
        }
        BatchPrefetcher.Batch batch;
        try
        {
            batch = prefetcher.Take();
        }
        catch (DataSourceException e)
        {
            throw Error(e.Message);
        }
        batch.Data.CopyTo(top[0].MutableData);
        if (top.Count > 1)
        {
            batch.Labels.CopyTo(top[1].MutableData);
        }
        prefetcher.Release(batch);
        Position += (long)_batchSize * _shardCount;
    }

    /// <summary>
    /// Runs on the prefetch thread: sample k of the stream is item perm_epoch[k mod N] of epoch k div N. The replica's
    /// b-th batch is the slice [rank·B, (rank+1)·B) of the global batch that starts at base + b·count·B.
    /// </summary>
    private void Fill(long localPosition, BatchPrefetcher.Batch batch)
    {
        long position = _fillBase + localPosition / _batchSize * _batchSize * _shardCount + (long)_shardRank * _batchSize;
        DataSet set = _set!;
        DataTransformer transformer = _transformer!;
        int size = transformer.OutSize;
        for (int k = 0; k < _batchSize; k++)
        {
            long pos = position + k;
            long epoch = pos / set.Count;
            int j = (int)(pos % set.Count);
            int index = _shuffle ? Permutation(epoch)[j] : j;
            if (transformer.UsesRandom)
            {
                _sampleRandom.Reseed(Mix(_seed, pos, 0x5851F42D4C957F2DUL));
            }
            transformer.Transform(set, index, batch.Data.AsSpan(k * size, size), _sampleRandom);
            batch.Labels[k] = set.Label(index);
        }
    }

    private int[] Permutation(long epoch)
    {
        if (epoch != _permutationEpoch)
        {
            int n = _set!.Count;
            if (_permutation.Length != n)
            {
                _permutation = new int[n];
            }
            for (int i = 0; i < n; i++)
            {
                _permutation[i] = i;
            }
            var rng = new EngineRandom(Mix(_seed, epoch, 0x2545F4914F6CDD1DUL));
            for (int i = n - 1; i > 0; i--)
            {
                int j = rng.NextInt(i + 1);
                (_permutation[i], _permutation[j]) = (_permutation[j], _permutation[i]);
            }
            _permutationEpoch = epoch;
        }
        return _permutation;
    }

    private static ulong Mix(ulong seed, long value, ulong salt) => unchecked(seed ^ ((ulong)value * 0x9E3779B97F4A7C15UL + salt));

    /// <inheritdoc />
    public override void Dispose()
    {
        _prefetcher?.Dispose();
        base.Dispose();
    }
}
