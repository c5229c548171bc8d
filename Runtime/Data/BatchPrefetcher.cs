using System.Collections.Concurrent;

namespace Engine.Data;

/// <summary>
/// Fills batches on a background thread into a bounded queue so that reading and transforming overlap the net's
/// compute. Batch buffers are allocated once and recycled. A batch is a pure function of its start position, so
/// stopping and restarting at any position (resume) reproduces the same stream.
/// </summary>
public sealed class BatchPrefetcher : IDisposable
{
    private readonly Batch[] _batches;
    private readonly Action<long, Batch> _fill;
    private readonly int _batchSize;
    private readonly string _name;
    private BlockingCollection<Batch>? _free;
    private BlockingCollection<Batch>? _full;
    private CancellationTokenSource? _stop;
    private Thread? _thread;
    private Exception? _failure;

    /// <summary>One batch: <see cref="Data"/> (batch × sample size) and <see cref="Labels"/> (batch), starting at <see cref="Position"/>.</summary>
    public sealed class Batch
    {
        internal Batch(int dataLength, int batchSize)
        {
            Data = new float[dataLength];
            Labels = new float[batchSize];
        }

        /// <summary>Transformed samples.</summary>
        public float[] Data { get; }

        /// <summary>Labels.</summary>
        public float[] Labels { get; }

        /// <summary>Stream position of the first sample.</summary>
        public long Position { get; internal set; }
    }

    /// <summary>Creates the prefetcher; nothing runs until <see cref="Start"/>.</summary>
    /// <param name="depth">Batches kept ready (data_param.prefetch).</param>
    /// <param name="batchSize">Samples per batch.</param>
    /// <param name="sampleSize">Values per transformed sample.</param>
    /// <param name="fill">Fills a batch starting at a stream position (runs on the background thread).</param>
    /// <param name="name">Thread name, for debugging.</param>
    public BatchPrefetcher(int depth, int batchSize, int sampleSize, Action<long, Batch> fill, string name)
    {
        depth = Math.Max(1, depth);
        _batches = new Batch[depth];
        for (int i = 0; i < depth; i++)
        {
            _batches[i] = new Batch(batchSize * sampleSize, batchSize);
        }
        _batchSize = batchSize;
        _fill = fill;
        _name = name;
    }

    /// <summary>True while the background thread runs.</summary>
    public bool Running => _thread is not null;

    /// <summary>Starts producing batches from <paramref name="position"/>.</summary>
    public void Start(long position)
    {
        Stop();
        _failure = null;
        _free = new BlockingCollection<Batch>(new ConcurrentQueue<Batch>(_batches));
        _full = new BlockingCollection<Batch>(new ConcurrentQueue<Batch>());
        _stop = new CancellationTokenSource();
        BlockingCollection<Batch> free = _free, full = _full;
        CancellationToken token = _stop.Token;
        _thread = new Thread(() => Produce(position, free, full, token)) { IsBackground = true, Name = _name };
        _thread.Start();
    }

    /// <summary>Waits for the next batch. Hand it back with <see cref="Release"/> once copied.</summary>
    /// <exception cref="DataSourceException">The background thread failed (its error is the inner exception).</exception>
    public Batch Take()
    {
        if (_full is null)
        {
            throw new InvalidOperationException("The prefetcher is not started.");
        }
        if (!_full.TryTake(out Batch? batch, Timeout.Infinite))
        {
            Exception failure = _failure ?? new InvalidOperationException("the prefetch thread stopped");
            throw new DataSourceException($"{_name}: {failure.Message}", failure);
        }
        return batch;
    }

    /// <summary>Returns a batch for refilling.</summary>
    public void Release(Batch batch) => _free!.Add(batch);

    /// <summary>Stops the background thread; queued batches are dropped.</summary>
    public void Stop()
    {
        if (_thread is null)
        {
            return;
        }
        _stop!.Cancel();
        _thread.Join();
        _thread = null;
        _stop.Dispose();
        _stop = null;
        _free!.Dispose();
        _full!.Dispose();
        _free = null;
        _full = null;
    }

    private void Produce(long position, BlockingCollection<Batch> free, BlockingCollection<Batch> full, CancellationToken token)
    {
        try
        {
            while (!token.IsCancellationRequested)
            {
                Batch batch = free.Take(token);
                _fill(position, batch);
                batch.Position = position;
                position += _batchSize;
                full.Add(batch, token);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            _failure = e;
            full.CompleteAdding();
        }
    }

    /// <summary>Stops the thread.</summary>
    public void Dispose() => Stop();
}
