using System.Text;
using Engine.Data;
using Engine.Tests.Solvers;
using NUnit.Framework;

namespace Engine.Tests.Data;

public class IdxAndNpyTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = SolverTestHelpers.TempDirectory();

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, true);

    [TestCase(true)]
    [TestCase(false)]
    public void ReadsImagesAndConventionalLabels(bool gzip)
    {
        string images = IdxTestFiles.WriteSet(_dir, "train", 5, 3, 2, 4, gzip);
        DataSet set = DataSources.Open(images, train: true, needLabels: true);
        Assert.That((set.Count, set.Channels, set.Height, set.Width), Is.EqualTo((5, 1, 3, 2)));
        var sample = new float[6];
        set.CopySample(3, sample);
        Assert.That(sample, Is.EqualTo(Enumerable.Range(0, 6).Select(p => (float)((3 * 17 + p * 3) % 256)).ToArray()));
        Assert.That(Enumerable.Range(0, 5).Select(set.Label), Is.EqualTo(new float[] { 0, 1, 2, 3, 0 }));
    }

    [Test]
    public void GzipIsDetectedByContentNotName()
    {
        string images = IdxTestFiles.WriteSet(_dir, "t10k", 2, 2, 2, 2, gzip: true);
        string renamed = Path.Combine(_dir, "t10k-images-idx3-ubyte");
        File.Move(images, renamed);
        DataSet set = DataSources.Open(renamed, train: false, needLabels: true);
        Assert.That(set.Count, Is.EqualTo(2));
        Assert.That(set.Label(1), Is.EqualTo(1f));
    }

    [Test]
    public void DirectorySource_PicksTrainOrTestFilesByPhase()
    {
        IdxTestFiles.WriteSet(_dir, "train", 7, 2, 2, 3);
        IdxTestFiles.WriteSet(_dir, "t10k", 4, 2, 2, 3);
        Assert.That(DataSources.Open(_dir, train: true, needLabels: true).Count, Is.EqualTo(7));
        Assert.That(DataSources.Open(_dir, train: false, needLabels: true).Count, Is.EqualTo(4));
    }

    [Test]
    public void TruncatedFile_NamesTheFile()
    {
        string path = Path.Combine(_dir, "x-images-idx3-ubyte");
        IdxTestFiles.Write(path, [4, 3, 3], new byte[20], gzip: false);
        var e = Assert.Throws<DataSourceException>(() => IdxFile.Read(path))!;
        Assert.That(e.Message, Does.Contain(path).And.Contain("truncated"));
    }

    [Test]
    public void BadMagic_IsRejected()
    {
        string path = Path.Combine(_dir, "junk");
        File.WriteAllBytes(path, Encoding.ASCII.GetBytes("hello world"));
        Assert.That(() => IdxFile.Read(path), Throws.TypeOf<DataSourceException>().With.Message.Contains("not an IDX file"));
    }

    [Test]
    public void MissingLabels_WhenLabelsAreNeeded_SaysWhatWasExpected()
    {
        string path = Path.Combine(_dir, "only-images-idx3-ubyte.gz");
        IdxTestFiles.Write(path, [2, 2, 2], new byte[8], gzip: true);
        Assert.That(DataSources.Open(path, true, needLabels: false).HasLabels, Is.False);
        Assert.That(() => DataSources.Open(path, true, needLabels: true), Throws.TypeOf<DataSourceException>().With.Message.Contains("labels-idx1"));
    }

    [Test]
    public void MissingSource_PointsAtTheDebianPackage()
    {
        string path = Path.Combine(_dir, "nowhere", "train-images-idx3-ubyte.gz");
        var e = Assert.Throws<DataSourceException>(() => DataSources.Open(path, true, true))!;
        Assert.That(e.Message, Does.Contain(path).And.Contain("apt-get install dataset-fashion-mnist").And.Contain("/usr/share/datasets/fashion-mnist"));
    }

    [Test]
    public void Npy_FloatImagesWithLabels()
    {
        float[] values = Enumerable.Range(0, 2 * 3 * 2).Select(i => i * 0.5f).ToArray();
        WriteNpy(Path.Combine(_dir, "x.npy"), "<f4", "(2, 3, 2)", values.SelectMany(BitConverter.GetBytes).ToArray());
        WriteNpy(Path.Combine(_dir, "x_labels.npy"), "<i8", "(2,)", new long[] { 7, 3 }.SelectMany(BitConverter.GetBytes).ToArray());
        DataSet set = DataSources.Open(Path.Combine(_dir, "x.npy"), true, true);
        Assert.That((set.Count, set.Channels, set.Height, set.Width), Is.EqualTo((2, 1, 3, 2)));
        var sample = new float[6];
        set.CopySample(1, sample);
        Assert.That(sample, Is.EqualTo(values[6..]));
        Assert.That(set.Label(0), Is.EqualTo(7f));
        Assert.That(set.Label(1), Is.EqualTo(3f));
    }

    private static void WriteNpy(string path, string descr, string shape, byte[] data)
    {
        string header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        int total = 10 + header.Length + 1;
        header = header.PadRight(header.Length + (64 - total % 64) % 64) + "\n";
        using var f = File.Create(path);
        f.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        f.Write(BitConverter.GetBytes((ushort)header.Length));
        f.Write(Encoding.ASCII.GetBytes(header));
        f.Write(data);
    }
}
