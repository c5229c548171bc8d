using Engine.Backends.OpenCL;
using Engine.Memory;
using NUnit.Framework;

namespace Engine.Tests.OpenCL;

/// <summary>Device buffers, the pooling allocator and host/device syncing.</summary>
public class OpenCLMemoryTests : OpenCLTestBase
{
    [Test]
    public void Buffer_RoundTripsAndClears()
    {
        float[] values = Uniform(100, 3);
        using IDeviceMemory buffer = Cl.Pool.Allocate(100);
        buffer.CopyFromHost(values);
        var back = new float[100];
        buffer.CopyToHost(back);
        Assert.That(back, Is.EqualTo(values));
        buffer.Clear(60);
        buffer.CopyToHost(back);
        Assert.That(back[..60], Is.All.EqualTo(0f));
        Assert.That(back[60..], Is.EqualTo(values[60..]));
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.CopyFromHost(new float[101]));
    }

    [Test]
    public void Pool_ReusesReturnedBuffersOfTheSameBucket()
    {
        OpenCLBufferPool pool = Cl.Pool;
        IDeviceMemory first = pool.Allocate(3000);
        long created = pool.BuffersCreated;
        first.Dispose();
        long reuses = pool.Reuses;
        using IDeviceMemory second = pool.Allocate(2500); // same power-of-two bucket (4096 floats)
        Assert.That(pool.BuffersCreated, Is.EqualTo(created));
        Assert.That(pool.Reuses, Is.EqualTo(reuses + 1));
        Assert.That(second.Length, Is.EqualTo(2500));
        Assert.That(((OpenCLBuffer)second).Capacity, Is.EqualTo(4096));
    }

    [Test]
    public void SyncedMemory_MovesDataOnlyWhenTheOtherSideReads()
    {
        using var memory = new SyncedMemory(16, Cl.DeviceAllocator);
        float[] values = Uniform(16, 4);
        values.CopyTo(memory.MutableHostData);
        Cl.DeviceMath.Scale(16, 2f, memory.DeviceData, 0, memory.MutableDeviceData, 0);
        Assert.That(memory.TransfersToDevice, Is.EqualTo(1));
        Assert.That(memory.Head, Is.EqualTo(MemoryHead.AtDevice));
        ReadOnlySpan<float> host = memory.HostData;
        for (int i = 0; i < 16; i++)
        {
            Assert.That(host[i], Is.EqualTo(2f * values[i]));
        }
        _ = memory.HostData;
        Assert.That(memory.TransfersToHost, Is.EqualTo(1));
    }
}
