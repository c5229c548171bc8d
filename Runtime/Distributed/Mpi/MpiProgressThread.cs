using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Engine.Distributed.Mpi;

/// <summary>
/// The thread that owns every MPI call of a training step. Open MPI moves a non-blocking collective forward only inside
/// MPI calls, so reductions started during backward stalled through a long layer; this thread starts the step's
/// allreduces in the order the compute thread queues them (the same order on every rank, so the reduction order is
/// unchanged) and drives them with MPI_Test between short sleeps while compute runs, and with yields once the compute
/// thread waits for them (its core is free then). It never busy-spins while compute runs: on a machine with as many
/// cores as ranks a spinning thread would take a core from the math.
/// </summary>
/// <remarks>
/// MPI is initialized with MPI_THREAD_SERIALIZED: the compute thread may still make MPI calls (the start-up broadcast)
/// but only between steps, when every queued job has completed and this thread is blocked waiting for work. Jobs are
/// numbered by a running sequence; job <c>s</c> is buffer <c>s % JobCount</c>, and a step queues every job exactly once.
/// </remarks>
internal sealed unsafe class MpiProgressThread : IDisposable
{
    /// <summary>Microseconds between polls while compute runs (ENGINE_MPI_POLL_US overrides; default 100).</summary>
    public const string PollVariable = "ENGINE_MPI_POLL_US";

    // Several MPI_Test calls per wake-up: each advances a pipelined transfer by a few fragments.
    private const int TestsPerWake = 8;

    private readonly MpiCommunicator _comm;
    private readonly nint[] _buffers;
    private readonly int[] _counts;
    private readonly nint[] _requests;
    private readonly long[] _startedAt;
    private readonly long[] _completedSeq;
    private readonly Thread _thread;
    private readonly AutoResetEvent _work = new(false);
    private readonly ManualResetEventSlim _completed = new(false);
    private readonly uint _pollMicroseconds;
    private long _queuedSeq;
    private long _startedSeq;
    private volatile bool _hurry;
    private volatile bool _stop;
    private volatile int _failedJob = -1;
    private volatile string? _failure;

    /// <summary>Prepares to reduce the given pinned buffers (job j sums <paramref name="counts"/>[j] floats at <paramref name="buffers"/>[j]).</summary>
    public MpiProgressThread(MpiCommunicator communicator, nint[] buffers, int[] counts)
    {
        _comm = communicator;
        _buffers = buffers;
        _counts = counts;
        _requests = new nint[buffers.Length];
        _startedAt = new long[buffers.Length];
        _completedSeq = new long[buffers.Length];
        _pollMicroseconds = uint.TryParse(Environment.GetEnvironmentVariable(PollVariable), out uint us) && us > 0 ? us : 100;
        _thread = new Thread(Loop) { IsBackground = true, Name = "MPI progress" };
        _thread.Start();
    }

    /// <summary>Number of buffers per step.</summary>
    public int JobCount => _buffers.Length;

    /// <summary>Sequence number of the next job to queue; a step's jobs are <c>[StepBase, StepBase + JobCount)</c>.</summary>
    public long QueuedSeq => _queuedSeq;

    /// <summary>Queues the next job (jobs must be queued in order, every one once per step); returns at once.</summary>
    public void Queue()
    {
        Volatile.Write(ref _queuedSeq, _queuedSeq + 1);
        _work.Set();
    }

    /// <summary>
    /// Blocks until job <paramref name="seq"/> has completed; the progress thread polls eagerly meanwhile.
    /// Returns the index of the job that timed out (its peer died or hangs) or -1 when it completed.
    /// </summary>
    public int WaitFor(long seq)
    {
        int job = (int)(seq % JobCount);
        _hurry = true;
        _work.Set();
        while (Volatile.Read(ref _completedSeq[job]) <= seq)
        {
            if (_failure is not null)
            {
                return _failedJob;
            }
            _completed.Reset();
            if (Volatile.Read(ref _completedSeq[job]) > seq || _failure is not null)
            {
                continue;
            }
            // The timeout is checked by the progress thread, which sets the event when it gives up.
            _completed.Wait(50);
        }
        return -1;
    }

    /// <summary>Ends the eager polling of <see cref="WaitFor"/> (call once the step's jobs have all completed).</summary>
    public void EndStep() => _hurry = false;

    /// <summary>The progress thread's error, if it stopped on one (timeout messages are formatted by the caller).</summary>
    public string? Failure => _failure;

    private void Loop()
    {
        try
        {
            while (!_stop)
            {
                long queued = Volatile.Read(ref _queuedSeq);
                while (_startedSeq < queued)
                {
                    int job = (int)(_startedSeq % JobCount);
                    _startedAt[job] = Stopwatch.GetTimestamp();
                    _requests[job] = _comm.StartAllreduceSum((float*)_buffers[job], _counts[job]);
                    _startedSeq++;
                }
                bool outstanding = false;
                for (int t = 0; t < TestsPerWake; t++)
                {
                    outstanding = TestAll();
                    if (!outstanding || _failure is not null)
                    {
                        break;
                    }
                }
                if (_failure is not null)
                {
                    return;
                }
                if (!outstanding)
                {
                    if (Volatile.Read(ref _queuedSeq) == _startedSeq)
                    {
                        _work.WaitOne();
                    }
                }
                else if (_hurry)
                {
                    Thread.Yield();
                }
                else
                {
                    // A short sleep, not a spin: the compute thread needs the core. _work wakes us for a new job.
                    _work.WaitOne(0);
                    usleep(_pollMicroseconds);
                }
            }
        }
        catch (Exception e)
        {
            _failure = e.Message;
            _completed.Set();
        }
    }

    private bool TestAll()
    {
        bool outstanding = false;
        long now = 0;
        long seqBase = _startedSeq - 1;
        for (int job = 0; job < JobCount; job++)
        {
            if (_requests[job] == 0)
            {
                continue;
            }
            if (_comm.Poll(ref _requests[job]))
            {
                // Sequence of the job just completed: the latest started one with this index.
                long seq = seqBase - ((seqBase - job) % JobCount + JobCount) % JobCount;
                Volatile.Write(ref _completedSeq[job], seq + 1);
                _completed.Set();
                continue;
            }
            outstanding = true;
            now = now == 0 ? Stopwatch.GetTimestamp() : now;
            if (now - _startedAt[job] > (long)(_comm.Timeout.TotalSeconds * Stopwatch.Frequency))
            {
                _failedJob = job;
                _failure = "timeout";
                _completed.Set();
                return true;
            }
        }
        return outstanding;
    }

    /// <summary>Stops the thread; it must be idle (no job outstanding) or have failed.</summary>
    public void Dispose()
    {
        _stop = true;
        _work.Set();
        _thread.Join(TimeSpan.FromSeconds(5));
        _work.Dispose();
        _completed.Dispose();
    }

    [DllImport("libc.so.6")]
    private static extern int usleep(uint microseconds);
}
