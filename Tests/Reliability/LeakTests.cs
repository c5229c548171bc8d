using Engine.Formats;
using Engine.Memory;
using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.Reliability;

/// <summary>
/// Memory stays flat: native host memory (counted exactly by SyncedMemory) returns to its baseline, managed memory
/// grows by less than a stated bound. CI runs short versions; ENGINE_LONG_TESTS=1 runs the full counts
/// (10 000 iterations, 1 000 nets).
/// </summary>
[NonParallelizable]
public class LeakTests
{
    private static readonly bool Long = Environment.GetEnvironmentVariable("ENGINE_LONG_TESTS") == "1";

    internal const string ConvNet = """
        name: "small"
        layer { name: "data" type: "DummyData" top: "data" top: "label"
                dummy_data_param { shape { dim: 4 dim: 1 dim: 12 dim: 12 } shape { dim: 4 }
                                   data_filler { type: "gaussian" std: 1 } data_filler { type: "constant" value: 1 } } }
        layer { name: "conv" type: "Convolution" bottom: "data" top: "conv" convolution_param { num_output: 4 kernel_size: 3 weight_filler { type: "xavier" } } }
        layer { name: "pool" type: "Pooling" bottom: "conv" top: "pool" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
        layer { name: "relu" type: "ReLU" bottom: "pool" top: "pool" }
        layer { name: "ip" type: "InnerProduct" bottom: "pool" top: "ip" inner_product_param { num_output: 3 weight_filler { type: "xavier" } } }
        layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
        """;

    internal static long SettledNativeBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return SyncedMemory.LiveHostBytes;
    }

    [Test]
    public void ForwardBackward_ManyIterations_MemoryStaysFlat()
    {
        NetParameter def = NetDefinitions.ParseNet(ConvNet);
        using var net = new Engine.Net(def, TestData.Registry, NetOptions.ForPhase(Phase.Train));
        for (int i = 0; i < 10; i++)
        {
            net.ClearParamDiffs();
            net.ForwardBackward();
        }
        long native = SettledNativeBytes();
        long managed = GC.GetTotalMemory(forceFullCollection: true);
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        int iterations = Long ? 10_000 : 1_000;
        for (int i = 0; i < iterations; i++)
        {
            net.ClearParamDiffs();
            net.ForwardBackward();
            net.Update();
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        long nativeGrowth = SettledNativeBytes() - native;
        long managedGrowth = GC.GetTotalMemory(forceFullCollection: true) - managed;
        TestContext.Out.WriteLine($"{iterations} iterations: native {nativeGrowth} B, managed heap {managedGrowth} B, allocated by the loop {allocated} B");
        Assert.That(allocated, Is.EqualTo(0), "the training loop itself allocates nothing");
        Assert.That(nativeGrowth, Is.EqualTo(0), "native host memory is exactly flat");
        // Per-iteration allocations are caught exactly above; this bound is for the heap as a whole, which the
        // runtime's own background work (tiered JIT recompiling hot methods) can move a little.
        Assert.That(managedGrowth, Is.LessThan(1024 * 1024), "managed heap grows by less than 1 MiB");
    }

    [Test]
    public void CreatingAndDisposingNets_ReturnsAllNativeMemory()
    {
        NetParameter def = NetDefinitions.ParseNet(ConvNet);
        long native = SettledNativeBytes();
        long managed = GC.GetTotalMemory(forceFullCollection: true);
        int nets = Long ? 1_000 : 200;
        for (int i = 0; i < nets; i++)
        {
            using var net = new Engine.Net(def, TestData.Registry, NetOptions.ForPhase(Phase.Train));
            net.ForwardBackward();
        }
        long nativeGrowth = SettledNativeBytes() - native;
        long managedGrowth = GC.GetTotalMemory(forceFullCollection: true) - managed;
        TestContext.Out.WriteLine($"{nets} nets: native {nativeGrowth} B, managed {managedGrowth} B");
        Assert.That(nativeGrowth, Is.EqualTo(0));
        Assert.That(managedGrowth, Is.LessThan(1024 * 1024), "managed memory grows by less than 1 MiB (caches, GC noise)");
    }
}
