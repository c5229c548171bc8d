using System.Runtime.InteropServices;

namespace Engine.Distributed.Mpi;

/// <summary>
/// Moves started allreduces forward while the compute thread runs backward. Open MPI progresses a non-blocking
/// collective only inside MPI calls, so without this a reduction started after the last layer stalled through the long
/// GEMMs of the earlier ones. Between <see cref="Begin"/> and <see cref="End"/> this thread tests the first
/// <see cref="Started"/> requests every few hundred microseconds (a sleep, not a spin: on a machine with as many cores
/// as ranks a spinning thread would take a core from the math); outside that window it blocks and makes no MPI call.
/// </summary>
/// <remarks>
/// Every MPI call goes through <see cref="MpiCommunicator"/>'s lock (MPI_THREAD_SERIALIZED). The compute thread still
/// starts the collectives (so every rank starts them in the same order and the reduction order is unchanged) and
/// waits for them itself after backward, with the deadline, so a wait costs no hand-off between threads.
/// </remarks>
internal sealed class MpiProgressThread : IDisposable
{
    /// <summary>Microseconds between polls while compute runs (default 200; 0 turns the thread off, for comparisons).</summary>
    public const string PollVariable = "ENGINE_MPI_POLL_US";

    /// <summary>False when <see cref="PollVariable"/> is 0.</summary>
    public static bool Enabled => Environment.GetEnvironmentVariable(PollVariable) is not "0";

    private readonly MpiCommunicator _comm;
    private readonly nint[] _requests;
    private readonly Thread _thread;
    private readonly AutoResetEvent _wake = new(false);
    private readonly uint _pollMicroseconds;
    private volatile bool _active;
    private volatile bool _stop;
    private volatile int _started;

    /// <summary>Polls entries of <paramref name="requests"/> (owned by the caller; a completed request becomes 0).</summary>
    public MpiProgressThread(MpiCommunicator communicator, nint[] requests)
    {
        _comm = communicator;
        _requests = requests;
        _pollMicroseconds = uint.TryParse(Environment.GetEnvironmentVariable(PollVariable), out uint us) && us > 0 ? us : 200;
        _thread = new Thread(Loop) { IsBackground = true, Name = "MPI progress" };
        _thread.Start();
    }

    /// <summary>Number of requests (from index 0) that have been started this step and are polled.</summary>
    public int Started
    {
        get => _started;
        set => _started = value;
    }

    /// <summary>Starts polling (call after starting the step's first request).</summary>
    public void Begin()
    {
        _active = true;
        _wake.Set();
    }

    /// <summary>Stops polling; the caller waits for the rest itself.</summary>
    public void End() => _active = false;

    private void Loop()
    {
        while (!_stop)
        {
            if (!_active)
            {
                _wake.WaitOne();
                continue;
            }
            int started = _started;
            for (int b = 0; b < started && _active; b++)
            {
                try
                {
                    _comm.Poll(ref _requests[b]);
                }
                catch (DistributedException)
                {
                    // The compute thread's wait reports it (and the deadline); this thread just stops helping.
                    return;
                }
            }
            usleep(_pollMicroseconds);
        }
    }

    /// <summary>Stops the thread.</summary>
    public void Dispose()
    {
        _stop = true;
        _active = false;
        _wake.Set();
        _thread.Join(TimeSpan.FromSeconds(5));
        _wake.Dispose();
    }

    [DllImport("libc.so.6")]
    private static extern int usleep(uint microseconds);
}
