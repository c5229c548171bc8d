using Engine.Formats;
using Engine.Proto;
using NUnit.Framework;

namespace Engine.Tests.Formats;

public class AtomicFileTests
{
    private string _dir = "";

    [SetUp]
    public void CreateDirectory()
    {
        _dir = Path.Combine(Path.GetTempPath(), "engine-atomic-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void WriteLeavesOnlyTheTargetFile()
    {
        string path = Path.Combine(_dir, "a.caffemodel");
        WeightsFile.WriteNet(path, new NetParameter { Name = "one" });
        WeightsFile.WriteNet(path, new NetParameter { Name = "two" });
        Assert.That(Directory.GetFiles(_dir).Select(Path.GetFileName), Is.EqualTo(new[] { "a.caffemodel" }));
        Assert.That(WeightsFile.ReadNet(path).Name, Is.EqualTo("two"));
    }

    [Test]
    public void FailureKeepsTheOriginalAndRemovesTheTempFile()
    {
        string path = Path.Combine(_dir, "keep.bin");
        AtomicFile.WriteAllBytes(path, [1, 2, 3]);
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write([9, 9, 9, 9]);
            throw new InvalidOperationException("disk full (simulated)");
        }));
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(new byte[] { 1, 2, 3 }));
        Assert.That(Directory.GetFiles(_dir).Select(Path.GetFileName), Is.EqualTo(new[] { "keep.bin" }));
    }

    [Test]
    public void TempFileSitsNextToTheTarget()
    {
        string path = Path.Combine(_dir, "t.txt");
        string? seen = null;
        AtomicFile.Write(path, stream =>
        {
            seen = ((FileStream)stream).Name;
            stream.WriteByte(42);
        });
        Assert.That(seen, Does.StartWith(path + ".tmp-"));
        Assert.That(File.Exists(seen), Is.False);
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(new byte[] { 42 }));
    }

    [Test]
    public void PrototxtWriteFileIsAtomicAndReadable()
    {
        string path = Path.Combine(_dir, "net.prototxt");
        var net = new NetParameter { Name = "n" };
        net.Layer.Add(new LayerParameter { Name = "r", Type = "ReLU" });
        Prototxt.WriteFile(path, net);
        Assert.That(Prototxt.ParseFile<NetParameter>(path), Is.EqualTo(net));
        Assert.That(Directory.GetFiles(_dir), Has.Length.EqualTo(1));
    }
}
