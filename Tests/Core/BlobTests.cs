using NUnit.Framework;

namespace Engine.Tests.Core;

public class BlobTests
{
    [Test]
    public void Shape_Count_AndNegativeAxes()
    {
        using var b = new Blob([2, 3, 4, 5]);
        Assert.That(b.Count, Is.EqualTo(120));
        Assert.That(b.ShapeAt(-1), Is.EqualTo(5));
        Assert.That(b.CanonicalAxisIndex(-4), Is.EqualTo(0));
        Assert.That(b.CountFrom(2), Is.EqualTo(20));
        Assert.That(b.Offset(1, 2, 3, 4), Is.EqualTo(119));
        Assert.Throws<ArgumentOutOfRangeException>(() => b.ShapeAt(4));
        Assert.Throws<ArgumentOutOfRangeException>(() => b.ShapeAt(-5));
    }

    [Test]
    public void Reshape_ReusesCapacity_AndOnlyGrows()
    {
        using var b = new Blob([4, 4]);
        b.MutableData[0] = 7f;
        b.Reshape(2, 2);
        Assert.That(b.Capacity, Is.EqualTo(16));
        Assert.That(b.Data[0], Is.EqualTo(7f), "shrinking keeps memory");
        b.Reshape(8, 8);
        Assert.That(b.Capacity, Is.EqualTo(64));
    }

    [Test]
    public void Reshape_SameShape_AllocatesNothing()
    {
        using var b = new Blob([4, 4]);
        _ = b.Data;
        Span<int> shape = [4, 4];
        b.Reshape(shape);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            b.Reshape(shape);
            _ = b.MutableData;
        }
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.EqualTo(0));
    }

    [Test]
    public void BadShapes_NameTheBlob()
    {
        using var b = new Blob("weights");
        var neg = Assert.Throws<ArgumentException>(() => b.Reshape(2, -1));
        Assert.That(neg!.Message, Does.Contain("weights").And.Contain("negative"));
        var big = Assert.Throws<ArgumentException>(() => b.Reshape(100000, 100000, 10));
        Assert.That(big!.Message, Does.Contain("weights"));
        Assert.Throws<ArgumentException>(() => b.Reshape(new int[33]));
    }

    [Test]
    public void ShareData_And_ShareDiff_Alias()
    {
        using var a = new Blob([3]);
        using var b = new Blob([3]);
        b.ShareData(a);
        b.ShareDiff(a);
        a.MutableData[1] = 5f;
        b.MutableDiff[2] = 6f;
        Assert.That(b.Data[1], Is.EqualTo(5f));
        Assert.That(a.Diff[2], Is.EqualTo(6f));
    }

    [Test]
    public void HostMemory_Is64ByteAligned_AndStartsZeroed()
    {
        using var b = new Blob([17]);
        unsafe
        {
            Assert.That((long)b.DataMemory.MutableHostPointer % 64, Is.EqualTo(0));
        }
        Assert.That(b.Data.ToArray(), Has.All.EqualTo(0f));
    }

    [Test]
    public void Update_SubtractsDiff()
    {
        using var b = new Blob([2]);
        b.MutableData.Fill(1f);
        b.MutableDiff.Fill(0.25f);
        b.Update();
        Assert.That(b.Data.ToArray(), Is.EqualTo(new[] { 0.75f, 0.75f }));
    }
}
