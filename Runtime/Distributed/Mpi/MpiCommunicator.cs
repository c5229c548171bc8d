using System.Diagnostics;

namespace Engine.Distributed.Mpi;

/// <summary>
/// MPI_COMM_WORLD of a process started by <c>mpirun</c>: its rank and size, and the non-blocking collectives the
/// data-parallel solver needs, each awaited by polling against <see cref="Timeout"/> so that a rank that died or hangs
/// stops the others with a message instead of blocking them forever. Dispose finalizes MPI, or aborts the whole job
/// when a collective failed (MPI cannot be finalized with a request left pending).
/// </summary>
public sealed unsafe class MpiCommunicator : IDisposable
{
    private const int ThreadSerialized = 2;
    private static MpiCommunicator? _world;
    private readonly MpiLibrary _mpi;

    // MPI runs with MPI_THREAD_SERIALIZED; the progress thread and the compute thread both call it, one at a time.
    private readonly Lock _gate = new();
    private bool _failed;
    private bool _disposed;

    private MpiCommunicator(MpiLibrary mpi, TimeSpan timeout)
    {
        _mpi = mpi;
        Timeout = timeout;
        int rank, size;
        Check(mpi.CommRank(mpi.CommWorld, &rank), "MPI_Comm_rank");
        Check(mpi.CommSize(mpi.CommWorld, &size), "MPI_Comm_size");
        Rank = rank;
        Size = size;
    }

    /// <summary>This process's rank in MPI_COMM_WORLD (0 is the root: it logs, tests and snapshots).</summary>
    public int Rank { get; }

    /// <summary>Number of ranks.</summary>
    public int Size { get; }

    /// <summary>How long a collective may take before the ranks give up on a missing peer.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>True when this process was started by Open MPI's <c>mpirun</c>/<c>mpiexec</c> (it sets OMPI_COMM_WORLD_SIZE).</summary>
    public static bool LaunchedByMpirun => Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is { Length: > 0 };

    /// <summary>True when Open MPI's library can be loaded on this machine.</summary>
    public static bool IsAvailable => MpiLibrary.IsAvailable;

    /// <summary>
    /// Initializes MPI (once per process; MPI cannot be re-initialized after <see cref="Dispose"/>) and returns
    /// MPI_COMM_WORLD with errors reported as return codes.
    /// </summary>
    /// <exception cref="DistributedException">MPI is not installed or fails to initialize.</exception>
    public static MpiCommunicator Initialize(TimeSpan timeout)
    {
        if (timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The collective timeout must be positive.");
        }
        if (_world is not null)
        {
            throw new InvalidOperationException("MPI is already initialized in this process.");
        }
        MpiLibrary mpi = MpiLibrary.Get();
        int flag;
        mpi.Finalized(&flag);
        if (flag != 0)
        {
            throw new DistributedException("MPI was finalized in this process and cannot be initialized again.");
        }
        mpi.Initialized(&flag);
        if (flag == 0)
        {
            int provided;
            int rc = mpi.InitThread(null, null, ThreadSerialized, &provided);
            if (rc != 0)
            {
                throw new DistributedException($"MPI_Init_thread failed: {mpi.Describe(rc)}");
            }
        }
        // The default handler aborts the job without saying which operation failed; return codes let us name it.
        mpi.CommSetErrhandler(mpi.CommWorld, mpi.ErrorsReturn);
        _world = new MpiCommunicator(mpi, timeout);
        return _world;
    }

    /// <summary>Starts an in-place sum of <paramref name="count"/> floats over all ranks; the buffer must stay pinned until it completes.</summary>
    internal nint StartAllreduceSum(float* buffer, int count)
    {
        nint request;
        int rc;
        lock (_gate)
        {
            rc = _mpi.Iallreduce((void*)MpiLibrary.InPlace, buffer, count, _mpi.Float, _mpi.Sum, _mpi.CommWorld, &request);
        }
        Check(rc, "MPI_Iallreduce");
        return request;
    }

    /// <summary>Starts a broadcast of <paramref name="count"/> bytes from rank 0; the buffer must stay pinned until it completes.</summary>
    internal nint StartBroadcast(byte* buffer, int count)
    {
        nint request;
        int rc;
        lock (_gate)
        {
            rc = _mpi.Ibcast(buffer, count, _mpi.Byte, 0, _mpi.CommWorld, &request);
        }
        Check(rc, "MPI_Ibcast");
        return request;
    }

    /// <summary>
    /// Drives MPI's progress and tells whether <paramref name="request"/> completed (it becomes 0 then). Safe to call
    /// from the progress thread and the compute thread on the same request: the check and the test happen under one lock.
    /// </summary>
    internal bool Poll(ref nint request)
    {
        int done;
        int rc;
        lock (_gate)
        {
            if (request == 0)
            {
                return true;
            }
            fixed (nint* r = &request)
            {
                rc = _mpi.Test(r, &done, MpiLibrary.StatusIgnore);
            }
        }
        Check(rc, "MPI_Test");
        return done != 0;
    }

    /// <summary>
    /// Waits for <paramref name="request"/> until <see cref="Timeout"/> has passed since <paramref name="startedAt"/>
    /// (a <see cref="Stopwatch"/> timestamp); <paramref name="what"/> names the collective in the timeout message,
    /// with " of iteration N (bucket b of n)" appended when <paramref name="iteration"/> is not negative (formatted only
    /// on failure, so waiting allocates nothing).
    /// </summary>
    /// <exception cref="DistributedException">The deadline passed: a peer probably died or hangs.</exception>
    internal void Wait(ref nint request, long startedAt, string what, int iteration = -1, int bucket = 0, int buckets = 0)
    {
        long deadline = startedAt + (long)(Timeout.TotalSeconds * Stopwatch.Frequency);
        int spins = 0;
        while (!Poll(ref request))
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                if (iteration >= 0)
                {
                    what += buckets > 0 ? $" of iteration {iteration} (bucket {bucket} of {buckets})" : $" of iteration {iteration}";
                }
                Fail($"rank {Rank} of {Size}: {what} did not complete within {Timeout.TotalSeconds:0.#} s; another rank probably died or hangs. Stopping the job.");
            }
            // Spin briefly (the peer is usually microseconds away), then give the core to the peer on a shared machine.
            if (++spins > 64)
            {
                Thread.Yield();
            }
        }
    }

    /// <summary>Broadcasts <paramref name="data"/> from rank 0 to every rank, waiting at most <see cref="Timeout"/>.</summary>
    internal void Broadcast(Span<byte> data, string what)
    {
        const int chunk = 1 << 30;
        fixed (byte* p = data)
        {
            for (int offset = 0; offset < data.Length; offset += chunk)
            {
                long start = Stopwatch.GetTimestamp();
                nint request = StartBroadcast(p + offset, Math.Min(chunk, data.Length - offset));
                Wait(ref request, start, what);
            }
        }
    }

    /// <summary>Sums <paramref name="values"/> over all ranks in place, waiting at most <see cref="Timeout"/>.</summary>
    internal void AllreduceSum(Span<float> values, string what)
    {
        fixed (float* p = values)
        {
            long start = Stopwatch.GetTimestamp();
            nint request = StartAllreduceSum(p, values.Length);
            Wait(ref request, start, what);
        }
    }

    /// <summary>Reports <paramref name="message"/> on stderr at once (the process may be aborted before a caller prints it) and throws it.</summary>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    internal void Fail(string message)
    {
        _failed = true;
        Console.Error.WriteLine($"error: {message}");
        Console.Error.Flush();
        throw new DistributedException(message);
    }

    /// <summary>Terminates every rank of the job with <paramref name="exitCode"/> (MPI_Abort); does not return.</summary>
    public void Abort(int exitCode)
    {
        _failed = true;
        Console.Out.Flush();
        Console.Error.Flush();
        _mpi.Abort(_mpi.CommWorld, exitCode);
        Environment.Exit(exitCode);
    }

    private void Check(int rc, string call)
    {
        if (rc != 0)
        {
            Fail($"rank {Rank}: {call} failed: {_mpi.Describe(rc)}");
        }
    }

    /// <summary>Finalizes MPI; after a failed collective aborts the job instead (finalize would wait for the dead peer).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        if (_failed)
        {
            Abort(1);
        }
        lock (_gate)
        {
            _mpi.Finalize();
        }
    }
}
