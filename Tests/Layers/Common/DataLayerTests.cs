using Engine.Fillers;
using Engine.Layers;
using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;
using static Engine.Tests.Layers.Common.CommonFixtures;

namespace Engine.Tests.Layers.Common;

/// <summary>DummyData, MemoryData and Parameter.</summary>
public class DataLayerTests
{
    private static BlobShape ShapeOf(params long[] dims)
    {
        var s = new BlobShape();
        s.Dim.Add(dims);
        return s;
    }

    [Test]
    public void DummyData_ShapesAndFillers()
    {
        var p = new DummyDataParameter();
        p.Shape.Add(ShapeOf(2, 3));
        p.Shape.Add(ShapeOf(4));
        p.DataFiller.Add(Filler.Constant(3f));
        p.DataFiller.Add(Filler.Gaussian(1f));
        Blob a = new(), b = new();
        Layer layer = TestData.SetUp(Def("DummyData", d => d.DummyDataParam = p), [], [a, b]);
        Assert.That(a.ShapeArray, Is.EqualTo(new[] { 2, 3 }));
        Assert.That(b.ShapeArray, Is.EqualTo(new[] { 4 }));
        layer.Forward([], [a, b]);
        Assert.That(a.Data.ToArray(), Is.All.EqualTo(3f));
        float[] first = b.Data.ToArray();
        layer.Forward([], [a, b]);
        Assert.That(b.Data.ToArray(), Is.Not.EqualTo(first), "non-constant fillers draw again every forward");
    }

    [Test]
    public void DummyData_LegacyDimsAndDefaultZero()
    {
        var p = new DummyDataParameter();
        p.Num.Add(2);
        p.Channels.Add([3, 1]);
        p.Height.Add(1);
        p.Width.Add(5);
        Blob a = new(), b = new();
        Layer layer = TestData.SetUp(Def("DummyData", d => d.DummyDataParam = p), [], [a, b]);
        layer.Forward([], [a, b]);
        Assert.That(a.ShapeArray, Is.EqualTo(new[] { 2, 3, 1, 5 }));
        Assert.That(b.ShapeArray, Is.EqualTo(new[] { 2, 1, 1, 5 }));
        Assert.That(a.Data.ToArray(), Is.All.EqualTo(0f));
    }

    [Test]
    public void DummyData_BadCounts_AreErrors()
    {
        var p = new DummyDataParameter();
        p.Shape.Add(ShapeOf(1));
        p.Shape.Add(ShapeOf(2));
        Assert.Throws<LayerException>(() => TestData.SetUp(Def("DummyData", d => d.DummyDataParam = p), [], [new(), new(), new()]));
        var q = p.Clone();
        q.Num.Add(1);
        Assert.Throws<LayerException>(() => TestData.SetUp(Def("DummyData", d => d.DummyDataParam = q), [], [new(), new()]));
    }

    private static MemoryDataLayer Memory(Blob[] tops, uint batch = 2) => (MemoryDataLayer)TestData.SetUp(Def("MemoryData", d => d.MemoryDataParam = new MemoryDataParameter
    {
        BatchSize = batch, Channels = 1, Height = 1, Width = 3,
    }), [], tops);

    [Test]
    public void MemoryData_ServesBatchesInOrderAndWraps()
    {
        Blob data = new(), label = new();
        MemoryDataLayer layer = Memory([data, label]);
        Assert.That(data.ShapeArray, Is.EqualTo(new[] { 2, 1, 1, 3 }));
        Assert.That(label.ShapeArray, Is.EqualTo(new[] { 2 }));
        float[] values = Enumerable.Range(0, 12).Select(i => (float)i).ToArray();
        layer.Reset(values, [10, 11, 12, 13], 4);
        layer.Forward([], [data, label]);
        Assert.That(data.Data.ToArray(), Is.EqualTo(values[..6]));
        Assert.That(label.Data.ToArray(), Is.EqualTo(new float[] { 10, 11 }));
        layer.Forward([], [data, label]);
        Assert.That(data.Data.ToArray(), Is.EqualTo(values[6..]));
        Assert.That(label.Data.ToArray(), Is.EqualTo(new float[] { 12, 13 }));
        layer.Forward([], [data, label]);
        Assert.That(data.Data.ToArray(), Is.EqualTo(values[..6]), "wraps to the first batch");
        values[0] = 99f;
        layer.Forward([], [data, label]);
        layer.Forward([], [data, label]);
        Assert.That(data.Data[0], Is.EqualTo(0f), "Reset copies the data");
    }

    [Test]
    public void MemoryData_Errors()
    {
        Blob data = new(), label = new();
        MemoryDataLayer layer = Memory([data, label]);
        var ex = Assert.Throws<LayerException>(() => layer.Forward([], [data, label]));
        Assert.That(ex!.Message, Does.Contain("Reset"));
        Assert.Throws<LayerException>(() => layer.Reset(new float[9], new float[3], 3));
        Assert.Throws<LayerException>(() => layer.Reset(new float[12], new float[3], 4));
        Assert.Throws<LayerException>(() => layer.Reset(new float[11], new float[4], 4));
        Assert.Throws<LayerException>(() => TestData.SetUp(Def("MemoryData", d => d.MemoryDataParam = new MemoryDataParameter { BatchSize = 2 }), [], [new()]));
    }

    [Test]
    public void Parameter_ExposesALearnableBlob()
    {
        Blob y = new();
        Layer layer = TestData.SetUp(Def("Parameter", d => d.ParameterParam = new ParameterParameter { Shape = ShapeOf(2, 3) }), [], [y]);
        Assert.That(layer.Blobs, Has.Count.EqualTo(1));
        Assert.That(y.ShapeArray, Is.EqualTo(new[] { 2, 3 }));
        TestData.Uniform([2, 3], 51).Data.CopyTo(layer.Blobs[0].MutableData);
        layer.Forward([], [y]);
        Assert.That(y.Data.ToArray(), Is.EqualTo(layer.Blobs[0].Data.ToArray()));
        new GradientChecker().Check(layer, [], [y]);
        Assert.Throws<LayerException>(() => TestData.SetUp(Def("Parameter"), [], [new()]));
    }
}
