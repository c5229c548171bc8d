using System.Diagnostics;
using Engine.Timing;
using NUnit.Framework;

namespace Engine.Tests.Distributed;

/// <summary>The thread CPU clock behind <c>MpiGradientReducer.WaitCpuTime</c> counts work and not sleep.</summary>
[TestFixture]
public sealed class ThreadCpuClockTests
{
    [Test]
    public void CountsASpinButNotASleep()
    {
        if (ThreadCpuClock.Nanoseconds() == 0)
        {
            Assert.Inconclusive("no thread CPU clock on this platform");
        }
        long start = ThreadCpuClock.Nanoseconds();
        Thread.Sleep(200);
        long slept = ThreadCpuClock.Nanoseconds() - start;

        start = ThreadCpuClock.Nanoseconds();
        double sink = 0;
        // Spin until this thread has had 50 ms of CPU, with a wall-clock limit in case the clock stands still.
        var wall = Stopwatch.StartNew();
        while (ThreadCpuClock.Nanoseconds() - start < 50_000_000 && wall.Elapsed < TimeSpan.FromSeconds(20))
        {
            sink += Math.Sqrt(sink + 1);
        }
        long spun = ThreadCpuClock.Nanoseconds() - start;

        Assert.That(slept, Is.LessThan(20_000_000), "a 200 ms sleep was charged as CPU time");
        Assert.That(spun, Is.GreaterThanOrEqualTo(50_000_000), $"the clock did not advance while spinning (sink {sink})");
    }
}
