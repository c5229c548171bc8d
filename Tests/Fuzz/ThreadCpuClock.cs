using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Engine.Fuzz;

/// <summary>
/// CPU time of the calling thread, so that "over 1 s per input" measures the parser's own work rather than how long
/// a busy shared machine kept it waiting. Falls back to wall-clock time where the Linux clock is not available.
/// </summary>
internal static partial class ThreadCpuClock
{
    private const int ClockThreadCpuTime = 3; // CLOCK_THREAD_CPUTIME_ID

    private static readonly bool Available = OperatingSystem.IsLinux() && TryRead(out _);

    /// <summary>Whether <see cref="Seconds"/> is thread CPU time (true) or wall-clock time (false).</summary>
    public static bool IsCpuTime => Available;

    /// <summary>A timestamp in seconds; only differences are meaningful.</summary>
    public static double Seconds()
        => Available && TryRead(out double s) ? s : Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;

    private static bool TryRead(out double seconds)
    {
        try
        {
            if (ClockGetTime(ClockThreadCpuTime, out TimeSpec t) == 0)
            {
                seconds = t.Seconds + t.Nanoseconds * 1e-9;
                return true;
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
        }
        seconds = 0;
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
