using System.Diagnostics;
using Engine.Backends.OpenCL;
using Engine.Formats;
using Engine.Memory;
using Engine.Proto;
using Engine.Tests.OpenCL;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.Reliability;

/// <summary>
/// The leak checks of <see cref="LeakTests"/> on the OpenCL backend (PoCL here): training iterations and nets created
/// and disposed leave the cl_mem buffers (created, alive, bytes held by the pool), host memory counted by
/// SyncedMemory, and the process's resident memory flat. CI runs short versions; ENGINE_LONG_TESTS=1 runs
/// 10 000 iterations and 1 000 nets.
/// </summary>
[NonParallelizable]
public class OpenCLLeakTests : OpenCLTestBase
{
    private static readonly bool Long = Environment.GetEnvironmentVariable("ENGINE_LONG_TESTS") == "1";

    // Resident memory also moves with the GC's heap sizing and PoCL's own caches; a leak of even one small blob per
    // iteration (4 KiB x 10 000) would exceed this.
    private const long ResidentBound = 48L << 20;

    private static long Resident()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var self = Process.GetCurrentProcess();
        return self.WorkingSet64;
    }

    private static string Figures(OpenCLBufferPool pool)
        => $"cl_mem created {pool.BuffersCreated}, alive {pool.LiveBuffers}, bytes held {pool.BytesHeld}, pooled {pool.BytesPooled}, host bytes {SyncedMemory.LiveHostBytes}";

    [Test]
    public void ForwardBackward_ManyIterations_OpenCLBuffersAndMemoryStayFlat()
    {
        NetParameter def = NetDefinitions.ParseNet(LeakTests.ConvNet);
        OpenCLBufferPool pool = Cl.Pool;
        using var net = new Engine.Net(def, TestData.Registry, new NetOptions { Phase = Phase.Train, Backend = Cl });
        for (int i = 0; i < 10; i++)
        {
            net.ClearParamDiffs();
            net.ForwardBackward();
            net.Update();
        }
        long created = pool.BuffersCreated, alive = pool.LiveBuffers, held = pool.BytesHeld;
        long host = LeakTests.SettledNativeBytes();
        long resident = Resident();
        string before = Figures(pool);
        int iterations = Long ? 10_000 : 500;
        for (int i = 0; i < iterations; i++)
        {
            net.ClearParamDiffs();
            net.ForwardBackward();
            net.Update();
        }
        long hostGrowth = LeakTests.SettledNativeBytes() - host;
        long residentGrowth = Resident() - resident;
        TestContext.Out.WriteLine($"OpenCL {iterations} iterations: before [{before}] after [{Figures(pool)}], resident growth {residentGrowth} B");
        Assert.That(pool.BuffersCreated, Is.EqualTo(created), "no cl_mem is created in steady-state training");
        Assert.That(pool.LiveBuffers, Is.EqualTo(alive));
        Assert.That(pool.BytesHeld, Is.EqualTo(held));
        Assert.That(hostGrowth, Is.EqualTo(0), "host memory counted by SyncedMemory is exactly flat");
        Assert.That(residentGrowth, Is.LessThan(ResidentBound));
    }

    [Test]
    public void CreatingAndDisposingNets_ReturnsEveryOpenCLBuffer()
    {
        NetParameter def = NetDefinitions.ParseNet(LeakTests.ConvNet);
        OpenCLBufferPool pool = Cl.Pool;
        pool.Trim();
        long aliveAtStart = pool.LiveBuffers, heldAtStart = pool.BytesHeld;
        long hostAtStart = LeakTests.SettledNativeBytes();
        void OneNet()
        {
            using var net = new Engine.Net(def, TestData.Registry, new NetOptions { Phase = Phase.Train, Backend = Cl });
            net.ForwardBackward();
        }
        OneNet();
        long createdAfterFirst = pool.BuffersCreated;
        long resident = Resident();
        int nets = Long ? 1_000 : 50;
        for (int i = 1; i < nets; i++)
        {
            OneNet();
        }
        long residentGrowth = Resident() - resident;
        string after = Figures(pool);
        long hostGrowth = LeakTests.SettledNativeBytes() - hostAtStart;
        pool.Trim();
        TestContext.Out.WriteLine($"OpenCL {nets} nets: after [{after}], after trim: alive {pool.LiveBuffers} (at start {aliveAtStart}), resident growth {residentGrowth} B");
        Assert.That(pool.BuffersCreated, Is.EqualTo(createdAfterFirst), "later nets reuse the first net's returned buffers");
        Assert.That(pool.BytesHeld, Is.EqualTo(heldAtStart), "the device bytes held return to where they started");
        Assert.That(pool.LiveBuffers, Is.EqualTo(aliveAtStart), "every cl_mem of a disposed net went back to the pool and was released by Trim");
        Assert.That(hostGrowth, Is.EqualTo(0));
        Assert.That(residentGrowth, Is.LessThan(ResidentBound));
    }
}
