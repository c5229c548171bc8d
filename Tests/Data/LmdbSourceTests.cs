using System.Text;
using Engine.Data;
using Engine.Formats;
using Engine.Proto;
using Engine.Tests.Solvers;
using Google.Protobuf;
using LightningDB;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;

namespace Engine.Tests.Data;

public class LmdbSourceTests
{
    private const int C = 2, H = 2, W = 3;
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = SolverTestHelpers.TempDirectory();

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, true);

    /// <summary>Writes records in the given order; LMDB keeps them sorted by key whatever the insertion order.</summary>
    private string WriteDatabase(string name, IEnumerable<(string Key, Datum Datum)> records, long mapSize = 16 << 20)
    {
        string path = Path.Combine(_dir, name);
        Directory.CreateDirectory(path);
        LmdbNativeLibrary.EnsureResolver();
        using var env = new LightningEnvironment(path, new EnvironmentConfiguration { MapSize = mapSize });
        env.Open();
        using (LightningTransaction tx = env.BeginTransaction())
        {
            using LightningDatabase db = tx.OpenDatabase(configuration: new DatabaseConfiguration { Flags = DatabaseOpenFlags.Create });
            foreach ((string key, Datum datum) in records)
            {
                Assert.That(tx.Put(db, Encoding.ASCII.GetBytes(key), datum.ToByteArray()), Is.EqualTo(MDBResultCode.Success));
            }
            Assert.That(tx.Commit(), Is.EqualTo(MDBResultCode.Success));
        }
        return path;
    }

    private static float Pixel(int record, int k) => (record * 7 + k * 13) % 256;

    private static Datum ByteDatum(int record, int label, int c = C, int h = H, int w = W)
    {
        var bytes = new byte[c * h * w];
        for (int k = 0; k < bytes.Length; k++)
        {
            bytes[k] = (byte)Pixel(record, k);
        }
        return new Datum { Channels = c, Height = h, Width = w, Data = ByteString.CopyFrom(bytes), Label = label };
    }

    private static Datum FloatDatum(int record, int label)
    {
        var d = new Datum { Channels = C, Height = H, Width = W, Label = label };
        for (int k = 0; k < C * H * W; k++)
        {
            d.FloatData.Add(Pixel(record, k) + 0.25f);
        }
        return d;
    }

    private static global::Engine.Net MakeNet(string source, int batch, string backend = "backend: LMDB")
    {
        string text = $$"""
            name: "lmdb"
            layer {
              name: "data" type: "Data" top: "data" top: "label"
              data_param { source: "{{source}}" batch_size: {{batch}} {{backend}} }
              transform_param { scale: 0.5 }
            }
            """;
        NetParameter param = Prototxt.Parse<NetParameter>(text, "lmdb.prototxt");
        return new global::Engine.Net(param, EngineServices.CreateDefaultRegistry(), NetOptions.ForPhase(Phase.Test));
    }

    [Test]
    public void Test_DataLayer_ReadsRecordsInKeyOrder_ScaledWithLabels()
    {
        const int n = 10;
        // Record i has key i+1, label 100+i; record 4 holds float_data. Inserted in reverse to show key order wins.
        var records = Enumerable.Range(0, n)
            .Select(i => ($"{i + 1:D8}", i == 4 ? FloatDatum(i, 100 + i) : ByteDatum(i, 100 + i)))
            .Reverse()
            .ToList();
        string source = WriteDatabase("train_lmdb", records);

        const int batch = 4;
        using global::Engine.Net net = MakeNet(source, batch);
        Blob data = net.GetBlob("data");
        Blob label = net.GetBlob("label");
        Assert.That(data.Shape.ToArray(), Is.EqualTo(new[] { batch, C, H, W }));
        Assert.That(label.Shape.ToArray(), Is.EqualTo(new[] { batch }));
        int size = C * H * W;
        // Three batches of 4 cover the 10 records and wrap around to records 0 and 1 (TEST reads in order).
        for (int b = 0; b < 3; b++)
        {
            net.Forward();
            for (int s = 0; s < batch; s++)
            {
                int record = (b * batch + s) % n;
                Assert.That(label.Data[s], Is.EqualTo(100f + record), $"batch {b} sample {s}");
                float offset = record == 4 ? 0.25f : 0f;
                for (int k = 0; k < size; k++)
                {
                    Assert.That(data.Data[s * size + k], Is.EqualTo((Pixel(record, k) + offset) * 0.5f).Within(1e-6f),
                        $"batch {b} sample {s} value {k}");
                }
            }
        }
    }

    [Test]
    public void Test_DatabaseLargerThanTheDefaultMap_IsReadWhole()
    {
        const int side = 1024, n = 24;
        var records = Enumerable.Range(0, n).Select(i => ($"{i:D4}", ByteDatum(i, i, c: 1, h: side, w: side)));
        string source = WriteDatabase("big_lmdb", records, mapSize: 64 << 20);
        Assert.That(new FileInfo(Path.Combine(source, LmdbDatumFile.DataFileName)).Length, Is.GreaterThan(20L << 20));
        DataSet set = LmdbDatumFile.Read(source);
        Assert.That((set.Count, set.Height, set.Width), Is.EqualTo((n, side, side)));
        Assert.That(set.Label(n - 1), Is.EqualTo(n - 1f));
        Assert.That(set.Value(n - 1, side * side - 1), Is.EqualTo(Pixel(n - 1, side * side - 1)));
    }

    [Test]
    public void Test_OnLinux_TheSystemLmdb09IsUsed_SoCaffeDatabasesOpen()
    {
        Assume.That(OperatingSystem.IsLinux(), "the resolver only redirects on Linux");
        string source = WriteDatabase("version_lmdb", [("k", ByteDatum(0, 0))]);
        using var env = new LightningEnvironment(source);
        Assert.That((env.Version.Major, env.Version.Minor), Is.EqualTo((0, 9)), env.Version.Version);
    }

    [Test]
    public void Test_DirectoryHoldingDataMdb_IsReadAsLmdb_WithoutBackend()
    {
        string source = WriteDatabase("auto_lmdb", [("a", ByteDatum(0, 3)), ("b", ByteDatum(1, 5))]);
        DataSet set = DataSources.Open(source, train: false, needLabels: true);
        Assert.That((set.Count, set.Channels, set.Height, set.Width), Is.EqualTo((2, C, H, W)));
        Assert.That((set.Label(0), set.Label(1)), Is.EqualTo((3f, 5f)));
        Assert.That(set.Value(1, 5), Is.EqualTo(Pixel(1, 5)));
    }

    [Test]
    public void Test_InconsistentRecordShape_NamesTheKey()
    {
        string source = WriteDatabase("bad_lmdb",
            [("00000001", ByteDatum(0, 0)), ("00000002", ByteDatum(1, 1, c: 1, h: 3, w: 3)), ("00000003", ByteDatum(2, 2))]);
        var e = Assert.Throws<LayerException>(() => MakeNet(source, 2))!;
        Assert.That(e.Message, Does.Contain("00000002").And.Contain("1x3x3").And.Contain($"{C}x{H}x{W}").And.Contain(source));
    }

    [Test]
    public void Test_DataLengthNotMatchingShape_NamesTheKey()
    {
        Datum shortDatum = ByteDatum(1, 1);
        shortDatum.Data = ByteString.CopyFrom(new byte[5]);
        string source = WriteDatabase("short_lmdb", [("k1", ByteDatum(0, 0)), ("k2", shortDatum)]);
        var e = Assert.Throws<DataSourceException>(() => LmdbDatumFile.Read(source))!;
        Assert.That(e.Message, Does.Contain("'k2'").And.Contain("5 values"));
    }

    [Test]
    public void Test_EncodedRecord_IsRejectedClearly()
    {
        Datum encoded = ByteDatum(0, 0);
        encoded.Encoded = true;
        string source = WriteDatabase("encoded_lmdb", [("img", encoded)]);
        var e = Assert.Throws<DataSourceException>(() => LmdbDatumFile.Read(source))!;
        Assert.That(e.Message, Does.Contain("encoded").And.Contain("not supported").And.Contain("'img'"));
    }

    [Test]
    public void Test_MissingDatabase_NamesThePath()
    {
        string missing = Path.Combine(_dir, "no_such_lmdb");
        var e = Assert.Throws<LayerException>(() => MakeNet(missing, 2))!;
        Assert.That(e.Message, Does.Contain(missing).And.Contain("data.mdb"));

        string notLmdb = Path.Combine(_dir, "empty_dir");
        Directory.CreateDirectory(notLmdb);
        var e2 = Assert.Throws<LayerException>(() => MakeNet(notLmdb, 2))!;
        Assert.That(e2.Message, Does.Contain(notLmdb));
    }

    [Test]
    public void Test_CorruptDataFile_NamesThePath()
    {
        string path = Path.Combine(_dir, "corrupt_lmdb");
        Directory.CreateDirectory(path);
        File.WriteAllBytes(Path.Combine(path, LmdbDatumFile.DataFileName), new byte[8192]);
        var e = Assert.Throws<DataSourceException>(() => LmdbDatumFile.Read(path))!;
        Assert.That(e.Message, Does.Contain(path));
    }
}
