using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Engine.Data;
using Engine.Formats;
using NUnit.Framework;

namespace Engine.Tests.Reliability;

/// <summary>
/// A header or length that claims gigabytes is refused before the memory is allocated: each case feeds a few bytes
/// that claim at least 1 GiB and checks both the error and the bytes the reader allocated.
/// </summary>
[NonParallelizable]
public class SizeClaimTests
{
    private const long AllocationBound = 16L << 20;

    private static long AllocatedBy(Action read, out Exception? error)
    {
        error = null;
        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            read();
        }
        catch (Exception e)
        {
            error = e;
        }
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static byte[] IdxHeader(byte type, params int[] dims)
    {
        var bytes = new byte[4 + 4 * dims.Length + 16];
        bytes[2] = type;
        bytes[3] = (byte)dims.Length;
        for (int i = 0; i < dims.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dims[i]);
        }
        return bytes;
    }

    private static byte[] Gzip(byte[] raw)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(raw);
        }
        return output.ToArray();
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Idx_DimensionsClaimingGigabytes_AreRefusedBeforeAllocating(bool gzip)
    {
        // 1 x 40000 x 40000 ubyte = 1.6 GB claimed, 16 bytes present.
        byte[] file = IdxHeader(0x08, 1, 40_000, 40_000);
        long allocated = AllocatedBy(() => IdxFile.Parse(gzip ? Gzip(file) : file, "big-idx3-ubyte"), out Exception? error);
        Assert.That(error, Is.TypeOf<DataSourceException>());
        Assert.That(error!.Message, Does.Contain("big-idx3-ubyte").And.Contain("truncated at byte"));
        Assert.That(allocated, Is.LessThan(AllocationBound), "the claimed size must not be allocated");
    }

    [Test]
    public void Idx_DimensionsWhoseProductWrapsAround_AreRefused()
    {
        // 65536^4 = 2^64, which wraps to 0 in 64-bit arithmetic: it must not pass as an empty array.
        byte[] file = IdxHeader(0x0D, 65_536, 65_536, 65_536, 65_536);
        long allocated = AllocatedBy(() => IdxFile.Parse(file, "wrap-idx"), out Exception? error);
        Assert.That(error, Is.TypeOf<DataSourceException>());
        Assert.That(error!.Message, Does.Contain("wrap-idx").And.Contain("limit"));
        Assert.That(allocated, Is.LessThan(AllocationBound));
    }

    private static byte[] Npy(string header, int headerLengthField = -1, int major = 1)
    {
        var bytes = new List<byte> { 0x93 };
        bytes.AddRange(Encoding.ASCII.GetBytes("NUMPY"));
        bytes.AddRange([(byte)major, 0]);
        int length = headerLengthField >= 0 ? headerLengthField : header.Length;
        if (major == 1)
        {
            bytes.AddRange([(byte)length, (byte)(length >> 8)]);
        }
        else
        {
            bytes.AddRange(BitConverter.GetBytes(length));
        }
        bytes.AddRange(Encoding.Latin1.GetBytes(header));
        bytes.AddRange(new byte[16]);
        return bytes.ToArray();
    }

    [Test]
    public void Npy_ShapeClaimingGigabytes_IsRefusedBeforeAllocating()
    {
        byte[] file = Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (20000, 20000), }\n");
        long allocated = AllocatedBy(() => NpyFile.Parse(file, "big.npy"), out Exception? error);
        Assert.That(error, Is.TypeOf<DataSourceException>());
        Assert.That(error!.Message, Does.Contain("big.npy").And.Contain("truncated at byte"));
        Assert.That(allocated, Is.LessThan(AllocationBound));
    }

    [Test]
    public void Npy_HeaderLengthClaimingGigabytes_IsRefusedBeforeAllocating()
    {
        byte[] file = Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n", headerLengthField: 0x7FFF_FFF0, major: 2);
        long allocated = AllocatedBy(() => NpyFile.Parse(file, "header.npy"), out Exception? error);
        Assert.That(error, Is.TypeOf<DataSourceException>());
        Assert.That(error!.Message, Does.Contain("header.npy").And.Contain("limit"));
        Assert.That(allocated, Is.LessThan(AllocationBound));
    }

    [TestCase("(99999999999, 2)")]
    [TestCase("(-3, 2)")]
    [TestCase("(2, x)")]
    public void Npy_BadShapeEntries_AreNamed(string shape)
    {
        byte[] file = Npy($"{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}\n");
        var e = Assert.Throws<DataSourceException>(() => NpyFile.Parse(file, "shape.npy"))!;
        Assert.That(e.Message, Does.Contain("shape.npy").And.Contain("shape entry"));
    }

    private static void Varint(List<byte> output, ulong value)
    {
        while (value >= 0x80)
        {
            output.Add((byte)(value | 0x80));
            value >>= 7;
        }
        output.Add((byte)value);
    }

    [Test]
    public void Caffemodel_LayerAndPackedFloatLengthsClaimingGigabytes_AreRefusedBeforeAllocating()
    {
        // NetParameter.layer (field 100) -> LayerParameter.blobs (field 7) -> BlobProto.data (field 5, packed floats),
        // each claiming 1.5 GB while the file holds a few bytes.
        const ulong claim = 1_500_000_000;
        var bytes = new List<byte>();
        Varint(bytes, (100 << 3) | 2);
        Varint(bytes, claim + 16);
        Varint(bytes, (7 << 3) | 2);
        Varint(bytes, claim + 8);
        Varint(bytes, (5 << 3) | 2);
        Varint(bytes, claim);
        bytes.AddRange(new byte[64]);
        long allocated = AllocatedBy(() => WeightsFile.ParseNet(bytes.ToArray(), "big.caffemodel"), out Exception? error);
        Assert.That(error, Is.TypeOf<WeightsFormatException>());
        Assert.That(error!.Message, Does.Contain("big.caffemodel"));
        Assert.That(allocated, Is.LessThan(AllocationBound));
    }
}
