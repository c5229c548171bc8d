using Engine.Data;
using Engine.Proto;
using Engine.Solvers;

namespace Engine.Distributed;

/// <summary>
/// Data parallelism inside one process, e.g. over several OpenCL devices: the solver's net is replica 0 and one more
/// replica of the train net is built per extra backend; each reads its shard of the global batch, forward/backward run
/// concurrently (one thread per replica), and the gradients are summed on the host in replica order (so the result
/// never depends on which device finishes first) and divided by the replica count before the update. The replicas take
/// the solver net's weights before every pass. Requires <c>iter_size: 1</c>.
/// </summary>
public sealed class LocalReplicaReducer : IGradientReducer, IDisposable
{
    private readonly List<Net> _replicas = [];
    private readonly float[] _losses;
    private readonly Solver _solver;
    private readonly List<Thread> _workers = [];
    private readonly AutoResetEvent[] _go;
    private readonly CountdownEvent _finished = new(1);
    private readonly Exception?[] _errors;
    private volatile bool _stopping;

    /// <summary>
    /// Builds one replica of <paramref name="solver"/>'s train net on each of <paramref name="extraBackends"/> and
    /// attaches itself as the solver's <see cref="Solver.GradientReducer"/>.
    /// </summary>
    /// <param name="solver">The solver whose net is the first replica.</param>
    /// <param name="extraBackends">One backend per additional replica; a backend must not be shared with another replica (they run concurrently).</param>
    /// <exception cref="SolverException">iter_size is not 1.</exception>
    public LocalReplicaReducer(Solver solver, IReadOnlyList<Backend> extraBackends)
    {
        ArgumentNullException.ThrowIfNull(solver);
        ArgumentNullException.ThrowIfNull(extraBackends);
        if (solver.Param.IterSize != 1)
        {
            throw new SolverException($"local replicas need iter_size: 1 (got {solver.Param.IterSize}); raise batch_size or add replicas instead.");
        }
        _solver = solver;
        _losses = new float[extraBackends.Count];
        _errors = new Exception?[extraBackends.Count];
        _go = new AutoResetEvent[extraBackends.Count];
        NetParameter definition = SolverNets.Train(solver.Param, solver.Context.BaseDirectory);
        NetState state = definition.State;
        try
        {
            foreach (Backend backend in extraBackends)
            {
                _replicas.Add(new Net(definition, solver.Context.Layers,
                    new NetOptions { Phase = state.Phase, Level = state.Level, Stages = state.Stage.ToArray(), Backend = backend, Seed = solver.Seed }));
            }
        }
        catch
        {
            Dispose();
            throw;
        }
        // One long-lived thread per extra replica: a Parallel.For per step allocated its closure and task state.
        for (int r = 0; r < _replicas.Count; r++)
        {
            _go[r] = new AutoResetEvent(false);
            int replica = r;
            var worker = new Thread(() => RunReplica(replica)) { IsBackground = true, Name = $"replica {r + 1}" };
            _workers.Add(worker);
            worker.Start();
        }
        solver.GradientReducer = this;
    }

    /// <summary>The extra replicas (the solver's net is replica 0 and not listed), e.g. to hand data to their MemoryData layers.</summary>
    public IReadOnlyList<Net> Replicas => _replicas;

    /// <inheritdoc />
    public bool IsRoot => true;

    /// <inheritdoc />
    public int ReplicaCount => _replicas.Count + 1;

    /// <inheritdoc />
    public void Synchronize(Solver solver)
    {
        ArgumentNullException.ThrowIfNull(solver);
        if (!ReferenceEquals(_solver, solver))
        {
            throw new ArgumentException("these replicas were built for another solver.", nameof(solver));
        }
        Shard(solver.Net, 0);
        for (int r = 0; r < _replicas.Count; r++)
        {
            Shard(_replicas[r], r + 1);
            // Same stream (seed and position) as the solver's net, so the shards partition its global batches.
            var source = solver.Net.Layers.OfType<ISeekableData>().ToArray();
            var target = _replicas[r].Layers.OfType<ISeekableData>().ToArray();
            for (int s = 0; s < Math.Min(source.Length, target.Length); s++)
            {
                target[s].StreamSeed = source[s].StreamSeed;
                target[s].Seek(source[s].Position);
            }
        }
    }

    private void Shard(Net net, int rank)
    {
        foreach (Layer layer in net.Layers)
        {
            if (layer is IShardedData sharded)
            {
                sharded.SetShard(rank, ReplicaCount);
            }
        }
    }

    /// <inheritdoc />
    public float ForwardBackward(Net net)
    {
        ArgumentNullException.ThrowIfNull(net);
        IReadOnlyList<Blob> master = net.LearnableParams;
        foreach (Net replica in _replicas)
        {
            IReadOnlyList<Blob> copy = replica.LearnableParams;
            for (int p = 0; p < master.Count; p++)
            {
                master[p].Data.CopyTo(copy[p].MutableData);
            }
            replica.ClearParamDiffs();
        }
        _finished.Reset(_replicas.Count);
        foreach (AutoResetEvent go in _go)
        {
            go.Set();
        }
        float loss;
        try
        {
            loss = net.ForwardBackward();
        }
        finally
        {
            _finished.Wait();
        }
        for (int r = 0; r < _errors.Length; r++)
        {
            if (_errors[r] is { } error)
            {
                _errors[r] = null;
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
            }
        }
        return loss;
    }

    private void RunReplica(int r)
    {
        while (true)
        {
            _go[r].WaitOne();
            if (_stopping)
            {
                return;
            }
            try
            {
                _losses[r] = _replicas[r].ForwardBackward();
            }
            catch (Exception e)
            {
                _errors[r] = e;
            }
            finally
            {
                _finished.Signal();
            }
        }
    }

    /// <inheritdoc />
    public float Reduce(Net net, float loss, int iteration)
    {
        ArgumentNullException.ThrowIfNull(net);
        IReadOnlyList<Blob> master = net.LearnableParams;
        float scale = 1f / ReplicaCount;
        for (int p = 0; p < master.Count; p++)
        {
            Span<float> sum = master[p].MutableDiff;
            foreach (Net replica in _replicas)
            {
                System.Numerics.Tensors.TensorPrimitives.Add(sum, replica.LearnableParams[p].Diff, sum);
            }
            System.Numerics.Tensors.TensorPrimitives.Multiply(sum, scale, sum);
        }
        float total = loss;
        foreach (float l in _losses)
        {
            total += l;
        }
        return total * scale;
    }

    /// <summary>Releases the replica nets (not the backends).</summary>
    public void Dispose()
    {
        _stopping = true;
        foreach (AutoResetEvent? go in _go)
        {
            go?.Set();
        }
        foreach (Thread worker in _workers)
        {
            worker.Join();
        }
        _workers.Clear();
        foreach (AutoResetEvent? go in _go)
        {
            go?.Dispose();
        }
        _finished.Dispose();
        foreach (Net replica in _replicas)
        {
            replica.Dispose();
        }
        _replicas.Clear();
    }
}
