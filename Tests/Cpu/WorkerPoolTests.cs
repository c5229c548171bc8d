using Engine.Backends.Cpu;
using NUnit.Framework;

namespace Engine.Tests.Cpu;

[TestFixture]
public class WorkerPoolTests
{
    private unsafe struct CountingBody : IParallelBody
    {
        public int* Hits;

        public readonly void Invoke(int index) => Interlocked.Increment(ref Hits[index]);
    }

    private struct ThrowingBody : IParallelBody
    {
        public int Bad;

        public readonly void Invoke(int index)
        {
            if (index == Bad) throw new InvalidOperationException($"body failed at {index}");
        }
    }

    private struct ThreadRecordingBody : IParallelBody
    {
        public int[] ThreadIds;

        public readonly void Invoke(int index)
        {
            ThreadIds[index] = Environment.CurrentManagedThreadId;
            Thread.Sleep(5);
        }
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(4)]
    public unsafe void RunsEveryIndexExactlyOnce(int threads)
    {
        using var pool = new WorkerPool(threads);
        Assert.That(pool.ThreadCount, Is.EqualTo(threads));
        foreach (int count in new[] { 0, 1, 2, 3, 7, 1000, 100_000 })
        {
            var hits = new int[Math.Max(count, 1)];
            fixed (int* p = hits)
            {
                var body = new CountingBody { Hits = p };
                for (int repeat = 0; repeat < 3; repeat++) pool.For(count, ref body);
            }
            for (int i = 0; i < count; i++) Assert.That(hits[i], Is.EqualTo(3), $"threads {threads}, count {count}, index {i}");
        }
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void ExceptionInBodyReachesCallerAndPoolKeepsWorking(int threads)
    {
        using var pool = new WorkerPool(threads);
        var body = new ThrowingBody { Bad = 37 };
        var e = Assert.Throws<InvalidOperationException>(() => pool.For(100, ref body));
        Assert.That(e!.Message, Is.EqualTo("body failed at 37"));

        int sum = 0;
        pool.For(100, i => Interlocked.Add(ref sum, i));
        Assert.That(sum, Is.EqualTo(4950));
    }

    [TestCase(2)]
    [TestCase(3)]
    public unsafe void ManyShortLoopsInARowStayCorrect(int threads)
    {
        // Short loops race the caller closing a loop against workers still waking up for it.
        using var pool = new WorkerPool(threads);
        var hits = new int[3];
        fixed (int* p = hits)
        {
            var body = new CountingBody { Hits = p };
            for (int i = 0; i < 20_000; i++) pool.For(1 + i % 3, ref body);
        }
        Assert.That(hits, Is.EqualTo(new[] { 20_000, 13_333, 6_666 }));
    }

    [Test]
    public void ConcurrentCallersBothGetEveryIndex()
    {
        // A second caller finds the pool busy and runs its loop inline; neither may lose or repeat an index.
        using var pool = new WorkerPool(2);
        var totals = new long[2];
        Parallel.For(0, 2, caller =>
        {
            for (int i = 0; i < 2000; i++) pool.For(10, index => Interlocked.Add(ref totals[caller], index + 1));
        });
        Assert.That(totals, Is.EqualTo(new long[] { 2000 * 55, 2000 * 55 }));
    }

    [Test]
    public void CallingThreadTakesPart()
    {
        using var pool = new WorkerPool(2);
        var body = new ThreadRecordingBody { ThreadIds = new int[16] };
        pool.For(16, ref body);
        Assert.That(body.ThreadIds, Does.Contain(Environment.CurrentManagedThreadId));
        Assert.That(body.ThreadIds, Does.Not.Contain(0));
    }

    [Test]
    public void NestedCallRunsInline()
    {
        using var pool = new WorkerPool(2);
        int total = 0;
        pool.For(8, _ => pool.For(4, _ => Interlocked.Increment(ref total)));
        Assert.That(total, Is.EqualTo(32));
    }

    [Test]
    public unsafe void SteadyStateForAllocatesNothing()
    {
        using var pool = new WorkerPool(2);
        var hits = new int[64];
        fixed (int* p = hits)
        {
            var body = new CountingBody { Hits = p };
            for (int i = 0; i < 10; i++) pool.For(64, ref body);
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1000; i++) pool.For(64, ref body);
            Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);

            // Workers must not allocate either; other runtime threads may, so one clean window out of several suffices.
            bool clean = false;
            int attempts = 0;
            for (; attempts < 5 && !clean; attempts++)
            {
                long total = GC.GetTotalAllocatedBytes(precise: true);
                for (int i = 0; i < 1000; i++) pool.For(64, ref body);
                clean = GC.GetTotalAllocatedBytes(precise: true) == total;
            }
            Assert.That(clean, Is.True, "process allocated during every window of pool.For calls");
            Assert.That(hits, Is.All.EqualTo(10 + 1000 + 1000 * attempts));
        }
    }

    [Test]
    public void ThreadCountFromEnvironment()
    {
        string? saved = Environment.GetEnvironmentVariable("ENGINE_THREADS");
        try
        {
            Environment.SetEnvironmentVariable("ENGINE_THREADS", "3");
            Assert.That(WorkerPool.ThreadsFromEnvironment(), Is.EqualTo(3));
            Environment.SetEnvironmentVariable("ENGINE_THREADS", null);
            Assert.That(WorkerPool.ThreadsFromEnvironment(), Is.EqualTo(Environment.ProcessorCount));
            Environment.SetEnvironmentVariable("ENGINE_THREADS", "zero");
            var e = Assert.Throws<InvalidOperationException>(() => WorkerPool.ThreadsFromEnvironment());
            Assert.That(e!.Message, Does.Contain("ENGINE_THREADS").And.Contain("zero"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("ENGINE_THREADS", saved);
        }
    }

    [Test]
    public void RejectsNonPositiveThreadCountAndUseAfterDispose()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new WorkerPool(0));
        var pool = new WorkerPool(2);
        pool.Dispose();
        Assert.Throws<ObjectDisposedException>(() => pool.For(3, _ => { }));
    }
}
