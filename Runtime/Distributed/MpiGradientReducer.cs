using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Engine.Data;
using Engine.Timing;
using Engine.Distributed.Mpi;
using Engine.Solvers;

namespace Engine.Distributed;

/// <summary>
/// Data-parallel training over MPI: every rank holds a full replica of the net and reads its shard of each global
/// batch; after backward the gradients are summed across ranks with MPI_Iallreduce in a few fused buckets, each started
/// as soon as backward has finished all its parameters (overlapping the reduction of late layers with backward
/// through early ones), then scaled by 1/N, so N ranks with batch B follow the same trajectory as one process with
/// batch N·B up to float rounding. The reduction order is MPI's algorithm for a fixed number of ranks and buffer size,
/// which depends on rank numbers, never on which rank arrives first, so runs are reproducible. A
/// <see cref="MpiProgressThread"/> keeps started reductions moving while backward computes.
/// </summary>
public sealed unsafe class MpiGradientReducer : IGradientReducer
{
    /// <summary>
    /// Default size of a fused gradient buffer: 4 Mi floats (16 MB): large enough that per-call latency is negligible,
    /// small enough that a big net has several buckets, whose reductions overlap backward through earlier layers.
    /// </summary>
    public const int DefaultBucketFloats = 4 << 20;

    private readonly MpiCommunicator _comm;
    private readonly int _bucketFloats;
    private readonly float[] _loss = GC.AllocateArray<float>(1, pinned: true);
    private GradientBuckets? _buckets;
    private Net? _net;
    private nint[] _requests = [];
    private long[] _started = [];
    private int _nextBucket;
    private MpiProgressThread? _progress;
    private long _commTicks;
    private long _waitTicks;
    private long _waitCpuNanoseconds;

    /// <summary>Reduces over the ranks of <paramref name="communicator"/>.</summary>
    /// <param name="communicator">MPI_COMM_WORLD.</param>
    /// <param name="bucketFloats">Largest fused buffer, in floats (a larger single parameter gets its own buffer).</param>
    public MpiGradientReducer(MpiCommunicator communicator, int bucketFloats = DefaultBucketFloats)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        ArgumentOutOfRangeException.ThrowIfLessThan(bucketFloats, 1);
        _comm = communicator;
        _bucketFloats = bucketFloats;
    }

    /// <inheritdoc />
    public bool IsRoot => _comm.Rank == 0;

    /// <inheritdoc />
    public int ReplicaCount => _comm.Size;

    /// <summary>Number of fused buffers the gradient is reduced in (0 before the first step).</summary>
    public int BucketCount => _buckets?.Items.Length ?? 0;

    /// <summary>Time spent on the reduction outside of compute: packing, starting, polling, waiting and unpacking.</summary>
    public TimeSpan CommunicationTime => Stopwatch.GetElapsedTime(0, _commTicks);

    /// <summary>The part of <see cref="CommunicationTime"/> spent blocked after backward, waiting for the last reductions.</summary>
    public TimeSpan WaitTime => Stopwatch.GetElapsedTime(0, _waitTicks);

    /// <summary>
    /// CPU time this rank's compute thread used during <see cref="WaitTime"/> (packing, polling, unpacking and the
    /// spin while another rank is still computing). On a machine shared with other jobs, rank CPU time less this is
    /// the rate a rank would have with a core of its own and a peer that never fell behind.
    /// </summary>
    public TimeSpan WaitCpuTime => TimeSpan.FromTicks(_waitCpuNanoseconds / 100);

    /// <summary>Zeroes <see cref="CommunicationTime"/>, <see cref="WaitTime"/> and <see cref="WaitCpuTime"/>.</summary>
    public void ResetTimers()
    {
        _commTicks = 0;
        _waitTicks = 0;
        _waitCpuNanoseconds = 0;
    }

    /// <summary>
    /// Mean time of one step's gradient reduction alone (pack, allreduce of every bucket, unpack) when all ranks start
    /// it together, over <paramref name="repetitions"/> back-to-back rounds after a first collective that lines the
    /// ranks up. <see cref="CommunicationTime"/> also counts waiting for a rank that is still computing; this is the
    /// cost of the collective itself. For benchmarks, after at least one step: it overwrites the parameter diffs with
    /// their mean over ranks, as a step's reduction does. Every rank must call it.
    /// </summary>
    /// <param name="net">The net trained so far.</param>
    /// <param name="repetitions">Rounds to average over.</param>
    /// <returns>Wall-clock time per round, and this thread's CPU time per round (on a shared machine, closer to what
    /// the reduction costs with a core per rank: the wall clock also counts time the scheduler gave to other jobs).</returns>
    public (TimeSpan Wall, TimeSpan Cpu) MeasureReduction(Net net, int repetitions)
    {
        ArgumentNullException.ThrowIfNull(net);
        ArgumentOutOfRangeException.ThrowIfLessThan(repetitions, 1);
        Prepare(net);
        _comm.AllreduceSum(_loss, "the start of the allreduce measurement");
        GradientBuckets.Bucket[] buckets = _buckets!.Items;
        IReadOnlyList<Blob> parameters = net.LearnableParams;
        float scale = 1f / _comm.Size;
        long t0 = Stopwatch.GetTimestamp();
        long cpu0 = ThreadCpuClock.Nanoseconds();
        for (int r = 0; r < repetitions; r++)
        {
            for (int b = 0; b < buckets.Length; b++)
            {
                StartBucket(b);
            }
            for (int b = 0; b < buckets.Length; b++)
            {
                _comm.Wait(ref _requests[b], _started[b], "the allreduce measurement");
                GradientBuckets.Unpack(buckets[b], parameters, scale);
            }
        }
        long cpu = ThreadCpuClock.Nanoseconds() - cpu0;
        return (Stopwatch.GetElapsedTime(t0) / repetitions, TimeSpan.FromTicks(cpu / 100 / repetitions));
    }

    /// <inheritdoc />
    public void Synchronize(Solver solver)
    {
        ArgumentNullException.ThrowIfNull(solver);
        Net net = solver.Net;
        Prepare(net);
        foreach (Layer layer in net.Layers)
        {
            if (layer is IShardedData sharded)
            {
                sharded.SetShard(_comm.Rank, _comm.Size);
            }
        }

        // Header: parameter layout (to catch ranks that built different nets), progress, and the data streams.
        var seekable = net.Layers.OfType<ISeekableData>().ToArray();
        IReadOnlyList<Blob> parameters = net.LearnableParams;
        long paramValues = parameters.Sum(p => (long)p.Count);
        long historyValues = solver.History.Sum(h => (long)h.Count);
        var header = new byte[8 * (5 + 2 * seekable.Length)];
        Span<byte> h = header;
        BinaryPrimitives.WriteInt64LittleEndian(h, parameters.Count);
        BinaryPrimitives.WriteInt64LittleEndian(h[8..], paramValues);
        BinaryPrimitives.WriteInt64LittleEndian(h[16..], historyValues);
        BinaryPrimitives.WriteInt64LittleEndian(h[24..], solver.Iter);
        BinaryPrimitives.WriteInt64LittleEndian(h[32..], solver.CurrentStep);
        for (int s = 0; s < seekable.Length; s++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(h[(40 + 16 * s)..], seekable[s].Position);
            BinaryPrimitives.WriteUInt64LittleEndian(h[(48 + 16 * s)..], seekable[s].StreamSeed);
        }
        _comm.Broadcast(header, "the broadcast of the solver state from rank 0");
        long rootParams = BinaryPrimitives.ReadInt64LittleEndian(h);
        long rootValues = BinaryPrimitives.ReadInt64LittleEndian(h[8..]);
        long rootHistory = BinaryPrimitives.ReadInt64LittleEndian(h[16..]);
        if (rootParams != parameters.Count || rootValues != paramValues || rootHistory != historyValues)
        {
            _comm.Fail($"rank {_comm.Rank}: its net has {parameters.Count} learnable blobs with {paramValues} values and {historyValues} history values, " +
                       $"rank 0's has {rootParams} with {rootValues} and {rootHistory}; every rank must train the same net with the same solver type.");
        }
        if (!IsRoot)
        {
            solver.SetProgress((int)BinaryPrimitives.ReadInt64LittleEndian(h[24..]), (int)BinaryPrimitives.ReadInt64LittleEndian(h[32..]));
            for (int s = 0; s < seekable.Length; s++)
            {
                seekable[s].StreamSeed = BinaryPrimitives.ReadUInt64LittleEndian(h[(48 + 16 * s)..]);
                seekable[s].Seek(BinaryPrimitives.ReadInt64LittleEndian(h[(40 + 16 * s)..]));
            }
        }
        foreach (Blob p in parameters)
        {
            BroadcastFloats(p.MutableData, p.Name);
        }
        foreach (Blob history in solver.History)
        {
            BroadcastFloats(history.MutableData, history.Name);
        }
    }

    private void BroadcastFloats(Span<float> values, string name)
    {
        float[] scratch = _buckets!.Items[0].Buffer;
        for (int offset = 0; offset < values.Length; offset += scratch.Length)
        {
            // Through a pinned buffer: a backend's host span need not stay put while MPI reads it.
            Span<float> piece = values.Slice(offset, Math.Min(scratch.Length, values.Length - offset));
            piece.CopyTo(scratch);
            _comm.Broadcast(MemoryMarshal.AsBytes(scratch.AsSpan(0, piece.Length)), $"the broadcast of '{name}' from rank 0");
            scratch.AsSpan(0, piece.Length).CopyTo(piece);
        }
    }

    private void Prepare(Net net)
    {
        if (ReferenceEquals(_net, net))
        {
            return;
        }
        _net = net;
        _buckets = GradientBuckets.Create(net, _bucketFloats);
        _requests = new nint[_buckets.Items.Length];
        _started = new long[_buckets.Items.Length];
        _nextBucket = 0;
        _progress?.Dispose();
        _progress = _comm.Size > 1 && MpiProgressThread.Enabled ? new MpiProgressThread(_comm, _requests) : null;
    }

    /// <inheritdoc />
    public float ForwardBackward(Net net)
    {
        ArgumentNullException.ThrowIfNull(net);
        if (_comm.Size == 1)
        {
            return net.ForwardBackward();
        }
        Prepare(net);
        float loss = net.Forward();
        GradientBuckets.Bucket[] buckets = _buckets!.Items;
        _nextBucket = 0;
        for (int i = net.Layers.Count - 1; i >= 0; i--)
        {
            net.BackwardFromTo(i, i);
            if (_nextBucket < buckets.Length && buckets[_nextBucket].ReadyAfterLayer >= i)
            {
                long t0 = Stopwatch.GetTimestamp();
                while (_nextBucket < buckets.Length && buckets[_nextBucket].ReadyAfterLayer >= i)
                {
                    StartBucket(_nextBucket++);
                }
                // Keep the reductions moving through the long layers below, where this thread makes no MPI call.
                if (_progress is not null)
                {
                    _progress.Started = _nextBucket;
                    _progress.Begin();
                }
                _commTicks += Stopwatch.GetTimestamp() - t0;
            }
            else if (_nextBucket > 0)
            {
                // Open MPI progresses non-blocking collectives only inside MPI calls.
                long t0 = Stopwatch.GetTimestamp();
                for (int b = 0; b < _nextBucket; b++)
                {
                    _comm.Poll(ref _requests[b]);
                }
                _commTicks += Stopwatch.GetTimestamp() - t0;
            }
        }
        return loss;
    }

    private void StartBucket(int b)
    {
        GradientBuckets.Bucket bucket = _buckets!.Items[b];
        GradientBuckets.Pack(bucket, _net!.LearnableParams);
        _started[b] = Stopwatch.GetTimestamp();
        fixed (float* p = bucket.Buffer)
        {
            // The buffer is allocated pinned, so the address stays valid after this scope.
            _requests[b] = _comm.StartAllreduceSum(p, bucket.Buffer.Length);
        }
    }

    /// <inheritdoc />
    public float Reduce(Net net, float loss, int iteration)
    {
        ArgumentNullException.ThrowIfNull(net);
        if (_comm.Size == 1)
        {
            return loss;
        }
        Prepare(net);
        long t0 = Stopwatch.GetTimestamp();
        long cpu0 = ThreadCpuClock.Nanoseconds();
        // From here this thread waits on the requests itself; a second poller would only contend for the lock.
        _progress?.End();
        GradientBuckets.Bucket[] buckets = _buckets!.Items;
        while (_nextBucket < buckets.Length)
        {
            StartBucket(_nextBucket++);
        }
        _loss[0] = loss;
        long lossStart = Stopwatch.GetTimestamp();
        nint lossRequest;
        fixed (float* p = _loss)
        {
            lossRequest = _comm.StartAllreduceSum(p, 1);
        }
        float scale = 1f / _comm.Size;
        IReadOnlyList<Blob> parameters = net.LearnableParams;
        for (int b = 0; b < buckets.Length; b++)
        {
            if (_requests[b] != 0)
            {
                _comm.Wait(ref _requests[b], _started[b], "the gradient allreduce", iteration, b + 1, buckets.Length);
            }
            GradientBuckets.Unpack(buckets[b], parameters, scale);
        }
        _comm.Wait(ref lossRequest, lossStart, "the loss allreduce", iteration);
        _nextBucket = 0;
        long waited = Stopwatch.GetTimestamp() - t0;
        _waitCpuNanoseconds += ThreadCpuClock.Nanoseconds() - cpu0;
        _waitTicks += waited;
        _commTicks += waited;
        return _loss[0] * scale;
    }
}
