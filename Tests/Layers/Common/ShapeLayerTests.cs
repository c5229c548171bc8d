using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;
using static Engine.Tests.Layers.Common.CommonFixtures;

namespace Engine.Tests.Layers.Common;

/// <summary>Concat, Slice, Flatten, Reshape, Tile and Silence: fixtures, gradients and shape errors.</summary>
public class ShapeLayerTests
{
    [TestCase("concat_axis1", 1, false)]
    [TestCase("concat_axis_last", -1, false)]
    [TestCase("concat_axis_last", 2, true)]
    public void Concat_MatchesFixture(string name, int axis, bool legacy)
    {
        FixtureCase c = Case(name);
        Blob a = c.Blob("a"), b = c.Blob("b"), y = new("y");
        Layer layer = TestData.SetUp(Def("Concat", p => p.ConcatParam = legacy ? new ConcatParameter { ConcatDim = (uint)axis } : new ConcatParameter { Axis = axis }), [a, b], [y]);
        layer.Forward([a, b], [y]);
        c.AssertData(y, "y");
        c.SetDiff(y, "dy");
        layer.Backward([y], [true, true], [a, b]);
        c.AssertDiff(a, "grad_a");
        c.AssertDiff(b, "grad_b");
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(-1)]
    public void Concat_Gradient(int axis)
    {
        int[] Shape(int k) => axis switch { 0 => [k, 3, 5], 1 => [3, k, 5], _ => [3, 1, k] };
        Blob a = TestData.Uniform(Shape(1), 1), b = TestData.Uniform(Shape(3), 2), c = TestData.Uniform(Shape(2), 3), y = new();
        Layer layer = TestData.SetUp(Def("Concat", p => p.ConcatParam = new ConcatParameter { Axis = axis }), [a, b, c], [y]);
        Assert.That(y.ShapeAt(axis), Is.EqualTo(6));
        new GradientChecker(1e-2, 1e-3).Check(layer, [a, b, c], [y]);
    }

    [Test]
    public void Concat_MismatchedShapes_NameLayerAndShapes()
    {
        Blob a = new([2, 3, 4], "left"), b = new([3, 2, 4], "right"), y = new();
        var ex = Assert.Throws<LayerException>(() => TestData.SetUp(Def("Concat", p => p.Name = "join"), [a, b], [y]));
        Assert.That(ex!.Message, Does.Contain("join").And.Contain("2 3 4").And.Contain("3 2 4"));
    }

    [Test]
    public void Concat_AxisOutOfRange_NamesLayerAndShape()
    {
        Blob a = new([2, 3], "left"), b = new([2, 3], "right"), y = new();
        var ex = Assert.Throws<LayerException>(() => TestData.SetUp(Def("Concat", p => { p.Name = "join"; p.ConcatParam = new ConcatParameter { Axis = 2 }; }), [a, b], [y]));
        Assert.That(ex!.Message, Does.Contain("join").And.Contain("2 3").And.Contain("axis 2"));
        Assert.Throws<LayerException>(() => TestData.SetUp(Def("Concat", p => p.ConcatParam = new ConcatParameter { ConcatDim = 2 }), [a, b], [new Blob()]));
        Assert.Throws<LayerException>(() => TestData.SetUp(Def("Concat", p => p.ConcatParam = new ConcatParameter { Axis = 1, ConcatDim = 1 }), [a, b], [new Blob()]));
    }

    [Test]
    public void Slice_MatchesFixture()
    {
        FixtureCase c = Case("slice");
        Blob x = c.Blob("x");
        Blob[] tops = [new("y0"), new("y1"), new("y2")];
        var sp = new SliceParameter { Axis = 1 };
        sp.SlicePoint.Add([2u, 5u]);
        Layer layer = TestData.SetUp(Def("Slice", p => p.SliceParam = sp), [x], tops);
        layer.Forward([x], tops);
        for (int i = 0; i < 3; i++)
        {
            c.AssertData(tops[i], $"y{i}");
            c.SetDiff(tops[i], $"dy{i}");
        }
        layer.Backward(tops, [true], [x]);
        c.AssertDiff(x, "grad_x");
    }

    [Test]
    public void Slice_EqualSplitWithLegacySliceDim()
    {
        Blob x = TestData.Uniform([2, 3, 6], 4);
        Blob[] tops = [new(), new(), new()];
        Layer layer = TestData.SetUp(Def("Slice", p => p.SliceParam = new SliceParameter { SliceDim = 2 }), [x], tops);
        layer.Forward([x], tops);
        for (int t = 0; t < 3; t++)
        {
            Assert.That(tops[t].ShapeArray, Is.EqualTo(new[] { 2, 3, 2 }));
            for (int r = 0; r < 6; r++)
            {
                for (int k = 0; k < 2; k++)
                {
                    Assert.That(tops[t].Data[r * 2 + k], Is.EqualTo(x.Data[r * 6 + t * 2 + k]));
                }
            }
        }
        new GradientChecker().Check(layer, [x], tops);
    }

    [TestCase(1, new uint[] { 1, 3 })]
    [TestCase(-1, new uint[] { 2 })]
    [TestCase(0, new uint[0])]
    public void Slice_Gradient(int axis, uint[] points)
    {
        Blob x = TestData.Uniform([4, 5, 3], 5);
        int tops = points.Length > 0 ? points.Length + 1 : 2;
        Blob[] top = Enumerable.Range(0, tops).Select(_ => new Blob()).ToArray();
        var sp = new SliceParameter { Axis = axis };
        sp.SlicePoint.Add(points);
        Layer layer = TestData.SetUp(Def("Slice", p => p.SliceParam = sp), [x], top);
        new GradientChecker().Check(layer, [x], top);
    }

    [TestCase(new uint[] { 5, 2 })]
    [TestCase(new uint[] { 2, 2 })]
    [TestCase(new uint[] { 2, 7 })]
    public void Slice_PointsOutOfOrder_NameLayerAndShape(uint[] points)
    {
        Blob x = new([2, 7, 3], "features");
        var sp = new SliceParameter { Axis = 1 };
        sp.SlicePoint.Add(points);
        var ex = Assert.Throws<LayerException>(() => TestData.SetUp(Def("Slice", p => { p.Name = "cut"; p.SliceParam = sp; }), [x], [new(), new(), new()]));
        Assert.That(ex!.Message, Does.Contain("cut").And.Contain("2 7 3").And.Contain("slice_point"));
    }

    [Test]
    public void Slice_BadCountsAreErrors()
    {
        Blob x = new([2, 7, 3], "features");
        var sp = new SliceParameter();
        sp.SlicePoint.Add(3u);
        Assert.Throws<LayerException>(() => TestData.SetUp(Def("Slice", p => p.SliceParam = sp), [x], [new(), new(), new()]));
        var ex = Assert.Throws<LayerException>(() => TestData.SetUp(Def("Slice"), [x], [new(), new()]));
        Assert.That(ex!.Message, Does.Contain("2 7 3").And.Contain("equally"));
    }

    [TestCase(1, -1, new[] { 2, 60 })]
    [TestCase(1, 2, new[] { 2, 12, 5 })]
    [TestCase(0, -2, new[] { 24, 5 })]
    public void Flatten_ShapesAndSharesData(int axis, int endAxis, int[] expected)
    {
        Blob x = TestData.Uniform([2, 3, 4, 5], 6), y = new();
        Layer layer = TestData.SetUp(Def("Flatten", p => p.FlattenParam = new FlattenParameter { Axis = axis, EndAxis = endAxis }), [x], [y]);
        layer.Forward([x], [y]);
        Assert.That(y.ShapeArray, Is.EqualTo(expected));
        x.MutableData[7] = 42f;
        Assert.That(y.Data[7], Is.EqualTo(42f), "top must share the bottom's data");
        new GradientChecker().Check(layer, [x], [y]);
    }

    [Test]
    public void Flatten_EndBeforeStart_IsError()
    {
        Blob x = new([2, 3, 4], "x");
        var ex = Assert.Throws<LayerException>(() => TestData.SetUp(Def("Flatten", p => p.FlattenParam = new FlattenParameter { Axis = 2, EndAxis = 1 }), [x], [new()]));
        Assert.That(ex!.Message, Does.Contain("flatten1").And.Contain("2 3 4"));
    }

    [TestCase(new long[] { 0, -1 }, 0, -1, new[] { 2, 12 })]
    [TestCase(new long[] { -1 }, 0, -1, new[] { 24 })]
    [TestCase(new long[] { 1, 3 }, 1, 1, new[] { 2, 1, 3, 4 })]
    [TestCase(new long[] { 1 }, -1, 0, new[] { 2, 3, 4, 1 })]
    [TestCase(new long[] { 4, 0, -1 }, 0, -1, new[] { 4, 3, 2 })]
    [TestCase(new long[] { 6, 2 }, 1, -1, new[] { 2, 6, 2 })]
    public void Reshape_ShapesAndSharesData(long[] dims, int axis, int numAxes, int[] expected)
    {
        Blob x = TestData.Uniform([2, 3, 4], 7), y = new();
        var shape = new BlobShape();
        shape.Dim.Add(dims);
        Layer layer = TestData.SetUp(Def("Reshape", p => p.ReshapeParam = new ReshapeParameter { Shape = shape, Axis = axis, NumAxes = numAxes }), [x], [y]);
        layer.Forward([x], [y]);
        Assert.That(y.ShapeArray, Is.EqualTo(expected));
        Assert.That(y.Data.ToArray(), Is.EqualTo(x.Data.ToArray()));
        x.MutableData[3] = -9f;
        Assert.That(y.Data[3], Is.EqualTo(-9f), "top must share the bottom's data");
        new GradientChecker().Check(layer, [x], [y]);
    }

    [Test]
    public void Reshape_TwoInferredDims_NameLayerAndShapes()
    {
        Blob x = new([2, 3, 4], "x");
        var shape = new BlobShape();
        shape.Dim.Add([-1, 2, -1]);
        var ex = Assert.Throws<LayerException>(() => TestData.SetUp(Def("Reshape", p => { p.Name = "view"; p.ReshapeParam = new ReshapeParameter { Shape = shape }; }), [x], [new()]));
        Assert.That(ex!.Message, Does.Contain("view").And.Contain("-1 2 -1").And.Contain("2 3 4"));
    }

    [TestCase(new long[] { 5, -1 })]
    [TestCase(new long[] { 5, 5 })]
    [TestCase(new long[] { 0, 0, 0, 0 })]
    public void Reshape_IncompatibleCount_IsError(long[] dims)
    {
        Blob x = new([2, 3, 4], "x");
        var shape = new BlobShape();
        shape.Dim.Add(dims);
        var ex = Assert.Throws<LayerException>(() => TestData.SetUp(Def("Reshape", p => p.ReshapeParam = new ReshapeParameter { Shape = shape }), [x], [new()]));
        Assert.That(ex!.Message, Does.Contain("reshape1").And.Contain("2 3 4"));
    }

    [TestCase("tile_axis1", 1, 3)]
    [TestCase("tile_axis2", 2, 2)]
    [TestCase("tile_axis2", -1, 2)]
    public void Tile_MatchesFixture(string name, int axis, int tiles)
    {
        FixtureCase c = Case(name);
        Blob x = c.Blob("x"), y = new("y");
        Layer layer = TestData.SetUp(Def("Tile", p => p.TileParam = new TileParameter { Axis = axis, Tiles = tiles }), [x], [y]);
        layer.Forward([x], [y]);
        c.AssertData(y, "y");
        c.SetDiff(y, "dy");
        layer.Backward([y], [true], [x]);
        c.AssertDiff(x, "grad_x");
    }

    [TestCase(0, 2)]
    [TestCase(1, 3)]
    [TestCase(-1, 2)]
    public void Tile_Gradient(int axis, int tiles)
    {
        Blob x = TestData.Uniform([3, 1, 5], 8), y = new();
        Layer layer = TestData.SetUp(Def("Tile", p => p.TileParam = new TileParameter { Axis = axis, Tiles = tiles }), [x], [y]);
        new GradientChecker().Check(layer, [x], [y]);
    }

    [Test]
    public void Tile_BadParams_AreErrors()
    {
        Blob x = new([2, 3], "x");
        Assert.Throws<LayerException>(() => TestData.SetUp(Def("Tile", p => p.TileParam = new TileParameter { Tiles = 0 }), [x], [new()]));
        var ex = Assert.Throws<LayerException>(() => TestData.SetUp(Def("Tile", p => p.TileParam = new TileParameter { Axis = 3, Tiles = 2 }), [x], [new()]));
        Assert.That(ex!.Message, Does.Contain("tile1").And.Contain("2 3"));
    }

    [Test]
    public void Silence_HasNoTopsAndZeroGradient()
    {
        Blob a = TestData.Uniform([2, 3], 9), b = TestData.Uniform([4], 10);
        Layer layer = TestData.SetUp(Def("Silence"), [a, b], []);
        layer.Forward([a, b], []);
        a.MutableDiff.Fill(5f);
        b.MutableDiff.Fill(5f);
        layer.Backward([], [true, false], [a, b]);
        Assert.That(a.Diff.ToArray(), Is.All.EqualTo(0f));
        Assert.That(b.Diff.ToArray(), Is.All.EqualTo(5f));
    }
}
