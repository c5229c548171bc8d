using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Engine.Timing;

/// <summary>
/// CPU time of the calling thread (Linux <c>CLOCK_THREAD_CPUTIME_ID</c>). On a shared machine it measures a thread's own
/// work rather than how long the scheduler kept it waiting: the MPI reducer uses it to tell how much CPU a rank burns
/// while it waits for another, the fuzzer to tell a slow input from a busy machine.
/// </summary>
public static partial class ThreadCpuClock
{
    private const int ClockThreadCpuTime = 3;

    private static readonly bool Available = OperatingSystem.IsLinux() && TryRead(out _);

    /// <summary>Whether the thread CPU clock exists here; where it does not, <see cref="Nanoseconds"/> returns 0 and
    /// <see cref="Seconds"/> falls back to wall-clock time.</summary>
    public static bool IsCpuTime => Available;

    /// <summary>Nanoseconds of CPU time used by this thread, or 0 where the clock is unavailable.</summary>
    public static long Nanoseconds() => Available && TryRead(out long ns) ? ns : 0;

    /// <summary>A timestamp in seconds of this thread's CPU time (wall-clock time where <see cref="IsCpuTime"/> is false);
    /// only differences are meaningful.</summary>
    public static double Seconds()
        => Available && TryRead(out long ns) ? ns * 1e-9 : Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;

    private static bool TryRead(out long nanoseconds)
    {
        try
        {
            if (ClockGetTime(ClockThreadCpuTime, out TimeSpec t) == 0)
            {
                nanoseconds = t.Seconds * 1_000_000_000 + t.Nanoseconds;
                return true;
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
        }
        nanoseconds = 0;
        return false;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);
}
