using Engine.Formats;
using Engine.Proto;
using Google.Protobuf;
using NUnit.Framework;

namespace Engine.Tests.Formats;

public class WeightsFileTests
{
    private string _dir = "";

    [SetUp]
    public void CreateDirectory()
    {
        _dir = Path.Combine(Path.GetTempPath(), "engine-weights-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_dir, recursive: true);

    private string PathIn(string name) => Path.Combine(_dir, name);

    private static NetParameter SampleNet()
    {
        var net = new NetParameter { Name = "tiny" };
        var ip = new LayerParameter { Name = "ip", Type = "InnerProduct", Phase = Phase.Train };
        ip.Bottom.Add("x");
        ip.Top.Add("y");
        ip.InnerProductParam = new InnerProductParameter { NumOutput = 3 };
        ip.Blobs.Add(BlobProtoExtensions.Create([3, 4], Enumerable.Range(0, 12).Select(i => i * 0.5f - 2f).ToArray()));
        ip.Blobs.Add(BlobProtoExtensions.CreateDouble([3], [0.1, -0.2, 1e-300]));
        net.Layer.Add(ip);
        var legacy = new LayerParameter { Name = "legacy", Type = "InnerProduct" };
        var blob = new BlobProto { Num = 1, Channels = 1, Height = 2, Width = 3 };
        blob.Data.Add(new[] { 1f, 2f, 3f, 4f, 5f, 6f });
        legacy.Blobs.Add(blob);
        net.Layer.Add(legacy);
        return net;
    }

    [Test]
    public void CaffemodelWriteThenReadGivesTheSameNet()
    {
        var net = SampleNet();
        string path = PathIn("tiny.caffemodel");
        WeightsFile.WriteNet(path, net);
        var back = WeightsFile.ReadNet(path);
        Assert.That(back, Is.EqualTo(net));
        Assert.That(back.Layer[0].Blobs[0].GetShape(), Is.EqualTo(new long[] { 3, 4 }));
        Assert.That(back.Layer[0].Blobs[1].DoubleData, Is.EqualTo(new[] { 0.1, -0.2, 1e-300 }));
        Assert.That(back.Layer[1].Blobs[0].GetShape(), Is.EqualTo(new long[] { 1, 1, 2, 3 }));
        Assert.That(back.Layer[1].Blobs[0].ShapeMatches([2, 3]), Is.True);

        var floats = new float[3];
        back.Layer[0].Blobs[1].CopyDataTo(floats);
        Assert.That(floats, Is.EqualTo(new[] { 0.1f, -0.2f, 0f }));
    }

    [Test]
    public void V1CaffemodelIsUpgradedOnRead()
    {
        var v1 = new NetParameter { Name = "old" };
        v1.Input.Add("data");
        var conv = new V1LayerParameter { Name = "conv1", Type = V1LayerParameter.Types.LayerType.Convolution };
        conv.Bottom.Add("data");
        conv.Top.Add("conv1");
        conv.BlobsLr.Add(1);
        conv.BlobsLr.Add(2);
        var weight = new BlobProto { Num = 2, Channels = 1, Height = 1, Width = 1 };
        weight.Data.Add(new[] { 0.5f, -0.5f });
        conv.Blobs.Add(weight);
        v1.Layers.Add(conv);
        string path = PathIn("old.caffemodel");
        File.WriteAllBytes(path, v1.ToByteArray());

        var net = WeightsFile.ReadNet(path);
        Assert.That(net.Input, Is.Empty, "input names without dims are dropped");
        var layer = net.Layer.Single();
        Assert.That((layer.Name, layer.Type), Is.EqualTo(("conv1", "Convolution")));
        Assert.That(layer.Blobs.Single().Data, Is.EqualTo(new[] { 0.5f, -0.5f }));
        Assert.That(layer.Param.Select(p => p.LrMult), Is.EqualTo(new[] { 1f, 2f }));
    }

    [Test]
    public void TruncatedCaffemodelIsRefusedWithTheFileName()
    {
        var net = SampleNet();
        byte[] full = net.ToByteArray();
        // Everything after the name field lies inside length-delimited layer messages, so any cut there is detectable,
        // except cuts exactly between the two layers (a valid, shorter net); skip that one boundary.
        int nameEnd = new NetParameter { Name = net.Name }.CalculateSize();
        int firstLayerEnd = new NetParameter { Name = net.Name, Layer = { net.Layer[0] } }.CalculateSize();
        string path = PathIn("cut.caffemodel");
        int refused = 0;
        for (int cut = nameEnd + 1; cut < full.Length; cut++)
        {
            if (cut == firstLayerEnd)
            {
                continue;
            }

            File.WriteAllBytes(path, full[..cut]);
            var ex = Assert.Throws<WeightsFormatException>(() => WeightsFile.ReadNet(path), $"cut at {cut}")!;
            Assert.That(ex.File, Is.EqualTo(path));
            Assert.That(ex.Message, Does.StartWith(path + ": "));
            refused++;
        }

        Assert.That(refused, Is.GreaterThan(50));
    }

    [Test]
    public void CorruptBytesNeverEscapeAsRawProtobufErrors()
    {
        byte[] full = SampleNet().ToByteArray();
        var random = new Random(7);
        string path = PathIn("corrupt.caffemodel");
        for (int trial = 0; trial < 300; trial++)
        {
            byte[] bytes = (byte[])full.Clone();
            for (int k = 0; k < 3; k++)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }

            File.WriteAllBytes(path, bytes);
            try
            {
                WeightsFile.ReadNet(path);
            }
            catch (WeightsFormatException e)
            {
                Assert.That(e.File, Is.EqualTo(path));
            }
        }
    }

    [Test]
    public void EmptyFileIsRefused()
    {
        string path = PathIn("empty.caffemodel");
        File.WriteAllBytes(path, []);
        var ex = Assert.Throws<WeightsFormatException>(() => WeightsFile.ReadNet(path))!;
        Assert.That(ex.Message, Is.EqualTo($"{path}: file is empty; expected a binary NetParameter (.caffemodel)"));
    }

    [Test]
    public void DataCountMismatchNamesLayerAndBlob()
    {
        var net = SampleNet();
        net.Layer[0].Blobs[0].Data.RemoveAt(0);
        string path = PathIn("short.caffemodel");
        WeightsFile.WriteNet(path, net);
        var ex = Assert.Throws<WeightsFormatException>(() => WeightsFile.ReadNet(path))!;
        Assert.That(ex.Message, Is.EqualTo($"{path}: layer 'ip' blob 0: shape (3, 4) needs 12 values but data holds 11"));
    }

    [Test]
    public void UnpackedRepeatedScalarsAreAccepted()
    {
        // BlobProto with shape {dim: 2} (packed) and data written unpacked: tag 5, wire type 5 (fixed32) per value.
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        output.WriteTag(7, WireFormat.WireType.LengthDelimited);
        output.WriteMessage(new BlobShape { Dim = { 2 } });
        foreach (float v in new[] { 1.5f, -3f })
        {
            output.WriteTag(5, WireFormat.WireType.Fixed32);
            output.WriteFloat(v);
        }

        output.Flush();
        string path = PathIn("unpacked.binaryproto");
        File.WriteAllBytes(path, buffer.ToArray());
        var blob = WeightsFile.ReadBlob(path);
        Assert.That(blob.Data, Is.EqualTo(new[] { 1.5f, -3f }));

        // And the reverse: Datum.float_data is unpacked in Caffe's schema, but a packed encoding is read too.
        using var packed = new MemoryStream();
        var o2 = new CodedOutputStream(packed);
        o2.WriteTag(6, WireFormat.WireType.LengthDelimited);
        o2.WriteLength(8);
        o2.WriteFloat(7f);
        o2.WriteFloat(8f);
        o2.Flush();
        Assert.That(Datum.Parser.ParseFrom(packed.ToArray()).FloatData, Is.EqualTo(new[] { 7f, 8f }));
    }

    [Test]
    public void SchemaPackingMatchesCaffe()
    {
        Assert.That(BlobProto.Descriptor.FindFieldByName("data").IsPacked, Is.True);
        Assert.That(BlobShape.Descriptor.FindFieldByName("dim").IsPacked, Is.True);
        Assert.That(Datum.Descriptor.FindFieldByName("float_data").IsPacked, Is.False);
        Assert.That(ConvolutionParameter.Descriptor.FindFieldByName("kernel_size").IsPacked, Is.False);
        Assert.That(NetParameter.Descriptor.FindFieldByName("input_dim").IsPacked, Is.False);
    }

    [Test]
    public void MeanFileBinaryprotoRoundTrip()
    {
        var mean = new BlobProto { Num = 1, Channels = 3, Height = 2, Width = 2 };
        mean.Data.Add(Enumerable.Range(0, 12).Select(i => (float)i));
        string path = PathIn("mean.binaryproto");
        WeightsFile.WriteBlob(path, mean);
        var back = WeightsFile.ReadBlob(path);
        Assert.That(back, Is.EqualTo(mean));
        Assert.That(back.GetShape(), Is.EqualTo(new long[] { 1, 3, 2, 2 }));
    }

    [Test]
    public void SolverStateRoundTrip()
    {
        var state = new SolverState { Iter = 5000, LearnedNet = "snap_iter_5000.caffemodel", CurrentStep = 2 };
        state.History.Add(BlobProtoExtensions.Create([2, 2], [0.1f, 0.2f, 0.3f, 0.4f]));
        state.History.Add(BlobProtoExtensions.Create([2], [1f, 2f]));
        string path = PathIn("snap_iter_5000.solverstate");
        WeightsFile.WriteSolverState(path, state);
        Assert.That(WeightsFile.ReadSolverState(path), Is.EqualTo(state));
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..^3]);
        Assert.Throws<WeightsFormatException>(() => WeightsFile.ReadSolverState(path));
    }
}
