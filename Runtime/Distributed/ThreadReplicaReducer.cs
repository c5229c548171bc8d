using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.ExceptionServices;
using Engine.Backends.Cpu;
using Engine.Data;
using Engine.Proto;
using Engine.Solvers;

namespace Engine.Distributed;

/// <summary>
/// Data parallelism over CPU threads inside one process: N replicas of the train net, one per thread, each on 1/N of
/// the global batch (<c>engine train --threads N --replicas N</c>). The solver's net is replica 0 and runs on the calling
/// thread; the others run on long-lived threads with one-thread backends of their own. The replicas share the solver
/// net's weights (no copy per step) and keep their own gradients, which are summed in replica order (so the result does
/// not depend on which thread finishes first), split by element range across the same threads, and divided by N before
/// the solver's update.
/// </summary>
/// <remarks>
/// <para>Create the solver from <see cref="ReplicaBatchSplit.Apply"/>'s definition, so that its train net already reads
/// 1/N of the batch, and on a CPU backend with a one-thread <see cref="WorkerPool"/> (replica 0 is that net).</para>
/// <para>Each replica's loss is normalised over its own samples, so the mean of the replicas' gradients is the gradient of
/// the global batch when every loss is a per-sample mean (SoftmaxWithLoss without ignore_label, EuclideanLoss, ...);
/// training then matches one net on the whole batch up to float summation order. Threads are woken like
/// <see cref="WorkerPool"/>'s: they spin for 50 µs, then block; a step allocates nothing.</para>
/// </remarks>
public sealed class ThreadReplicaReducer : IGradientReducer, IDisposable
{
    private static readonly long SpinTicks = Stopwatch.Frequency / 20_000; // 50 µs, as WorkerPool
    // Slice boundaries on whole cache lines, so that two threads never write the same line of a gradient.
    private const int Alignment = 16;

    private readonly Solver _solver;
    private readonly Net[] _nets;
    private readonly Net[] _extra;
    private readonly Blob[][] _params;
    private readonly List<WorkerPool> _pools = [];
    private readonly List<Thread> _threads = [];
    private readonly ManualResetEventSlim[] _wake;
    private readonly ManualResetEventSlim _done = new(false, 1);
    private readonly float[] _losses;
    private readonly Exception?[] _errors;
    private readonly long[] _workerAllocated;
    private readonly Segment[][] _segments;
    private int _generation;
    private int _pending;
    private bool _skipSum;
    private volatile bool _disposed;

    /// <summary>
    /// Builds <paramref name="replicas"/> − 1 more replicas of <paramref name="solver"/>'s train net, each on its own
    /// thread and one-thread CPU backend, shares the solver net's weights with them, and attaches itself as the solver's
    /// <see cref="Solver.GradientReducer"/>.
    /// </summary>
    /// <param name="solver">A solver created from <see cref="ReplicaBatchSplit.Apply"/>'s definition on a one-thread CPU backend.</param>
    /// <param name="replicas">Total number of replicas (threads), the solver's net included; at least 1.</param>
    /// <exception cref="SolverException">iter_size is not 1, or the solver's net is not on a one-thread CPU backend.</exception>
    public ThreadReplicaReducer(Solver solver, int replicas)
    {
        ArgumentNullException.ThrowIfNull(solver);
        ArgumentOutOfRangeException.ThrowIfLessThan(replicas, 1);
        if (solver.Param.IterSize != 1)
        {
            throw new SolverException($"thread replicas need iter_size: 1 (got {solver.Param.IterSize}); raise batch_size instead.");
        }
        if (solver.Net.Backend.IsDevice)
        {
            throw new SolverException($"thread replicas run on the CPU, but the solver's net is on {solver.Net.Backend.Name}.");
        }
        if (solver.Net.Backend.Math is CpuMath { Pool.ThreadCount: > 1 and var threads })
        {
            throw new SolverException(
                $"the solver's net is replica 0 and runs on the calling thread, but its CPU backend has {threads} threads; create the solver on new CpuBackend(new WorkerPool(1)).");
        }
        _solver = solver;
        _nets = new Net[replicas];
        _nets[0] = solver.Net;
        _losses = new float[replicas];
        _errors = new Exception?[replicas];
        _wake = new ManualResetEventSlim[replicas - 1];
        _workerAllocated = new long[replicas - 1];
        NetParameter definition = SolverNets.Train(solver.Param, solver.Context.BaseDirectory);
        NetState state = definition.State;
        try
        {
            for (int r = 1; r < replicas; r++)
            {
                var pool = new WorkerPool(1);
                _pools.Add(pool);
                // Own seeds, so that dropout draws different masks on each part of the batch; the data streams take the
                // solver net's seed in Synchronize.
                ulong seed = solver.Seed ^ ((ulong)r * 0x9E3779B97F4A7C15UL);
                _nets[r] = new Net(definition, solver.Context.Layers,
                    new NetOptions { Phase = state.Phase, Level = state.Level, Stages = state.Stage.ToArray(), Backend = new CpuBackend(pool), Seed = seed });
                _nets[r].ShareTrainedLayersWith(solver.Net);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
        _extra = _nets[1..];
        _params = _nets.Select(n => n.LearnableParams.ToArray()).ToArray();
        _segments = Partition(_params[0], replicas);
        // The slim event creates its lock object on the first wait that blocks: do that here, not in some step.
        _done.Wait(1);
        for (int w = 0; w < replicas - 1; w++)
        {
            _wake[w] = new ManualResetEventSlim(false, 1);
            int worker = w;
            var thread = new Thread(() => WorkerLoop(worker)) { IsBackground = true, Name = $"Engine replica {w + 1}" };
            _threads.Add(thread);
            thread.Start();
        }
        solver.GradientReducer = this;
    }

    /// <summary>The extra replicas (the solver's net is replica 0 and not listed), e.g. to hand data to their MemoryData layers.</summary>
    public IReadOnlyList<Net> Replicas => _extra;

    /// <inheritdoc />
    public bool IsRoot => true;

    /// <inheritdoc />
    public int ReplicaCount => _nets.Length;

    /// <summary>Bytes the replica threads have allocated, as of their last completed step (tests check that steps allocate nothing).</summary>
    internal long WorkerAllocatedBytes
    {
        get
        {
            long sum = 0;
            for (int w = 0; w < _workerAllocated.Length; w++)
            {
                sum += Volatile.Read(ref _workerAllocated[w]);
            }
            return sum;
        }
    }

    /// <inheritdoc />
    public void Synchronize(Solver solver)
    {
        ArgumentNullException.ThrowIfNull(solver);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!ReferenceEquals(_solver, solver))
        {
            throw new ArgumentException("these replicas were built for another solver.", nameof(solver));
        }
        var source = solver.Net.Layers.OfType<ISeekableData>().ToArray();
        for (int r = 0; r < _nets.Length; r++)
        {
            foreach (IShardedData sharded in _nets[r].Layers.OfType<IShardedData>())
            {
                sharded.SetShard(r, _nets.Length);
            }
            if (r == 0)
            {
                continue;
            }
            // A restored snapshot may have replaced what the solver's net holds; sharing is cheap, so renew it.
            _nets[r].ShareTrainedLayersWith(solver.Net);
            // Same stream (seed and position) as the solver's net, so the shards partition its global batches.
            var target = _nets[r].Layers.OfType<ISeekableData>().ToArray();
            for (int s = 0; s < Math.Min(source.Length, target.Length); s++)
            {
                target[s].StreamSeed = source[s].StreamSeed;
                target[s].Seek(source[s].Position);
            }
        }
    }

    /// <summary>
    /// Runs every replica's forward/backward (replica 0, <paramref name="net"/>, on this thread) and then sums their
    /// gradients into <paramref name="net"/>'s parameter diffs, already divided by the replica count.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="net"/> is not the solver's net.</exception>
    public float ForwardBackward(Net net)
    {
        ArgumentNullException.ThrowIfNull(net);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!ReferenceEquals(net, _nets[0]))
        {
            throw new ArgumentException("thread replicas run the solver's own train net as replica 0.", nameof(net));
        }
        Release();
        Exception? own = null;
        try
        {
            _losses[0] = net.ForwardBackward();
        }
        catch (Exception e)
        {
            own = e;
        }
        AwaitWorkers();
        bool failed = own is not null;
        for (int r = 1; r < _errors.Length; r++)
        {
            failed |= _errors[r] is not null;
        }
        // The second stage runs even after a failure, so that every thread is back waiting before this call returns.
        _skipSum = failed;
        Release();
        if (!failed)
        {
            Sum(0);
        }
        AwaitWorkers();
        if (failed)
        {
            Exception error = own ?? _errors.First(e => e is not null)!;
            Array.Clear(_errors);
            ExceptionDispatchInfo.Capture(error).Throw();
        }
        return _losses[0];
    }

    /// <inheritdoc />
    public float Reduce(Net net, float loss, int iteration)
    {
        ArgumentNullException.ThrowIfNull(net);
        // The gradients were summed in ForwardBackward, while the threads were still awake.
        float total = loss;
        for (int r = 1; r < _losses.Length; r++)
        {
            total += _losses[r];
        }
        return total / _nets.Length;
    }

    /// <summary>Stops the replica threads and releases the extra replicas and their pools (the solver's net stays).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        Interlocked.Increment(ref _generation);
        foreach (ManualResetEventSlim? wake in _wake)
        {
            wake?.Set();
        }
        foreach (Thread thread in _threads)
        {
            thread.Join();
        }
        foreach (ManualResetEventSlim? wake in _wake)
        {
            wake?.Dispose();
        }
        _done.Dispose();
        for (int r = 1; r < _nets.Length; r++)
        {
            _nets[r]?.Dispose(); // null when a replica failed to build
        }
        foreach (WorkerPool pool in _pools)
        {
            pool.Dispose();
        }
        if (ReferenceEquals(_solver.GradientReducer, this))
        {
            _solver.GradientReducer = null;
        }
    }

    private void Release()
    {
        if (_threads.Count == 0)
        {
            return;
        }
        _done.Reset();
        Volatile.Write(ref _pending, _threads.Count);
        Interlocked.Increment(ref _generation);
        foreach (ManualResetEventSlim wake in _wake)
        {
            wake.Set();
        }
    }

    private void AwaitWorkers()
    {
        if (_threads.Count == 0)
        {
            return;
        }
        long until = Stopwatch.GetTimestamp() + SpinTicks;
        while (Volatile.Read(ref _pending) != 0 && Stopwatch.GetTimestamp() < until)
        {
            Thread.SpinWait(20);
        }
        if (Volatile.Read(ref _pending) != 0)
        {
            _done.Wait();
        }
    }

    private void Arrive()
    {
        if (Interlocked.Decrement(ref _pending) == 0)
        {
            _done.Set();
        }
    }

    /// <summary>Waits until the main thread releases the next stage (or disposes); returns the generation seen.</summary>
    private int AwaitStage(int worker, int seen)
    {
        ManualResetEventSlim wake = _wake[worker];
        while (Volatile.Read(ref _generation) == seen)
        {
            long until = Stopwatch.GetTimestamp() + SpinTicks;
            while (Volatile.Read(ref _generation) == seen && Stopwatch.GetTimestamp() < until)
            {
                Thread.SpinWait(20);
            }
            if (Volatile.Read(ref _generation) == seen)
            {
                // The event may still be set from a stage picked up while spinning: the loop re-checks after the reset.
                wake.Wait();
                wake.Reset();
            }
        }
        return Volatile.Read(ref _generation);
    }

    private void WorkerLoop(int worker)
    {
        int replica = worker + 1;
        Net net = _nets[replica];
        // Not read from _generation: a stage released before this thread first runs must still be seen as new.
        int seen = 0;
        net.ClearParamDiffs();
        while (true)
        {
            seen = AwaitStage(worker, seen);
            if (_disposed)
            {
                return;
            }
            try
            {
                _losses[replica] = net.ForwardBackward();
            }
            catch (Exception e)
            {
                _errors[replica] = e;
            }
            Arrive();
            seen = AwaitStage(worker, seen);
            if (_disposed)
            {
                return;
            }
            if (!_skipSum)
            {
                try
                {
                    Sum(replica);
                }
                catch (Exception e)
                {
                    _errors[replica] ??= e;
                }
            }
            else
            {
                // A failed step summed nothing, so nothing cleared this replica's gradients for the next one.
                net.ClearParamDiffs();
            }
            Volatile.Write(ref _workerAllocated[worker], GC.GetAllocatedBytesForCurrentThread());
            Arrive();
        }
    }

    /// <summary>
    /// Thread <paramref name="part"/>'s share of the sum: its element range of every replica's gradient, added in replica
    /// order into the solver net's. The extra replicas' ranges are zeroed right after, by the thread that read them, so
    /// that their next backward pass starts from zero without a clearing pass on its way.
    /// </summary>
    private void Sum(int part)
    {
        float scale = 1f / _nets.Length;
        int last = _nets.Length - 1;
        if (last == 0)
        {
            return;
        }
        foreach (Segment s in _segments[part])
        {
            Span<float> sum = _params[0][s.Param].MutableDiff.Slice(s.Start, s.Length);
            for (int r = 1; r < last; r++)
            {
                Span<float> replica = _params[r][s.Param].MutableDiff.Slice(s.Start, s.Length);
                TensorPrimitives.Add(sum, replica, sum);
                replica.Clear();
            }
            Span<float> final = _params[last][s.Param].MutableDiff.Slice(s.Start, s.Length);
            TensorPrimitives.AddMultiply(sum, final, scale, sum);
            final.Clear();
        }
    }

    /// <summary>Cuts the concatenated parameters into <paramref name="parts"/> nearly equal element ranges.</summary>
    private static Segment[][] Partition(Blob[] parameters, int parts)
    {
        long total = parameters.Sum(p => (long)p.Count);
        var result = new Segment[parts][];
        for (int part = 0; part < parts; part++)
        {
            long begin = part == 0 ? 0 : Math.Min(total, total * part / parts / Alignment * Alignment);
            long end = part == parts - 1 ? total : Math.Min(total, total * (part + 1) / parts / Alignment * Alignment);
            var segments = new List<Segment>();
            long offset = 0;
            for (int p = 0; p < parameters.Length; p++)
            {
                long from = Math.Max(begin, offset), to = Math.Min(end, offset + parameters[p].Count);
                if (to > from)
                {
                    segments.Add(new Segment(p, (int)(from - offset), (int)(to - from)));
                }
                offset += parameters[p].Count;
            }
            result[part] = segments.ToArray();
        }
        return result;
    }

    private readonly record struct Segment(int Param, int Start, int Length);
}
