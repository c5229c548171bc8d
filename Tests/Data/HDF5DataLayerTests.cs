using Engine.Formats;
using Engine.Layers;
using Engine.Proto;
using Engine.Tests.Solvers;
using Engine.Tests.Support;
using NUnit.Framework;
using PureHDF;

namespace Engine.Tests.Data;

public class HDF5DataLayerTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = SolverTestHelpers.TempDirectory();

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, true);

    /// <summary>Writes rows whose data is (first + r)·10 + c and whose label is first + r.</summary>
    private string WriteFile(string name, int first, int rows)
    {
        var data = new float[rows, 3];
        var label = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            label[r] = first + r;
            for (int c = 0; c < 3; c++)
            {
                data[r, c] = (first + r) * 10 + c;
            }
        }
        var file = new H5File { ["data"] = data, ["label"] = label };
        string path = Path.Combine(_dir, name);
        file.Write(path);
        return path;
    }

    private Engine.Net MakeNet(string list, int batch, string extra = "")
    {
        string text = $$"""
            name: "h5"
            layer { name: "h5" type: "HDF5Data" top: "data" top: "label" hdf5_data_param { source: "{{list}}" batch_size: {{batch}} {{extra}} } }
            """;
        return new Engine.Net(Prototxt.Parse<NetParameter>(text, "net.prototxt"), TestData.Registry, new NetOptions { Phase = Phase.Test, Seed = 3 });
    }

    private static List<float> Run(Engine.Net net, int batches, int batch)
    {
        var labels = new List<float>();
        for (int b = 0; b < batches; b++)
        {
            net.Forward();
            ReadOnlySpan<float> data = net.GetBlob("data").Data;
            ReadOnlySpan<float> label = net.GetBlob("label").Data;
            for (int k = 0; k < batch; k++)
            {
                for (int c = 0; c < 3; c++)
                {
                    Assert.That(data[k * 3 + c], Is.EqualTo(label[k] * 10 + c), $"batch {b} row {k} column {c}");
                }
                labels.Add(label[k]);
            }
        }
        return labels;
    }

    [Test]
    public void OneFile_ShapesFromDatasets_ValuesWrapAround()
    {
        WriteFile("a.h5", 0, 5);
        string list = Path.Combine(_dir, "list.txt");
        File.WriteAllLines(list, ["a.h5"]);
        using Engine.Net net = MakeNet(list, 2);
        Assert.That(net.GetBlob("data").Shape.ToArray(), Is.EqualTo(new[] { 2, 3 }));
        Assert.That(net.GetBlob("label").Shape.ToArray(), Is.EqualTo(new[] { 2 }));
        Assert.That(Run(net, 4, 2), Is.EqualTo(new float[] { 0, 1, 2, 3, 4, 0, 1, 2 }));
    }

    [Test]
    public void TwoFiles_BatchesRunAcrossFiles_AndWrap()
    {
        string first = WriteFile("a.h5", 0, 3);
        WriteFile("b.h5", 100, 2);
        string list = Path.Combine(_dir, "list.txt");
        File.WriteAllLines(list, [first, "b.h5"]);
        using Engine.Net net = MakeNet(list, 4);
        Assert.That(Run(net, 3, 4), Is.EqualTo(new float[] { 0, 1, 2, 100, 101, 0, 1, 2, 100, 101, 0, 1 }));
    }

    [Test]
    public void Shuffle_EachPassVisitsEveryRowOnce()
    {
        WriteFile("a.h5", 0, 3);
        WriteFile("b.h5", 100, 3);
        string list = Path.Combine(_dir, "list.txt");
        File.WriteAllLines(list, ["a.h5", "b.h5"]);
        using Engine.Net net = MakeNet(list, 6, "shuffle: true");
        for (int pass = 0; pass < 3; pass++)
        {
            Assert.That(Run(net, 1, 6), Is.EquivalentTo(new float[] { 0, 1, 2, 100, 101, 102 }));
        }
    }

    [Test]
    public void MissingDataset_AndMissingFile_AreNamed()
    {
        string path = Path.Combine(_dir, "other.h5");
        new H5File { ["x"] = new float[2] }.Write(path);
        string list = Path.Combine(_dir, "list.txt");
        File.WriteAllLines(list, ["other.h5"]);
        var e = Assert.Throws<LayerException>(() => MakeNet(list, 1))!;
        Assert.That(e.Message, Does.Contain("other.h5").And.Contain("'data'"));
        File.WriteAllLines(list, ["other.h5", "gone.h5"]);
        e = Assert.Throws<LayerException>(() => MakeNet(list, 1))!;
        Assert.That(e.Message, Does.Contain("list.txt:2").And.Contain("gone.h5"));
    }
}
