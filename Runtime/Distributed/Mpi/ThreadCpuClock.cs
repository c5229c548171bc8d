using System.Runtime.InteropServices;

namespace Engine.Distributed.Mpi;

/// <summary>
/// CPU time of the calling thread (Linux <c>CLOCK_THREAD_CPUTIME_ID</c>), for telling how much CPU a rank burns while
/// it waits for another: on a shared machine that is CPU the other rank may have needed.
/// </summary>
internal static class ThreadCpuClock
{
    private const int ClockThreadCpuTime = 3;

    /// <summary>Nanoseconds of CPU time used by this thread, or 0 where the clock is unavailable.</summary>
    public static long Nanoseconds()
    {
        try
        {
            return clock_gettime(ClockThreadCpuTime, out TimeSpec t) == 0 ? t.Seconds * 1_000_000_000 + t.Nanoseconds : 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return 0;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int clock_gettime(int clock, out TimeSpec time);
}
