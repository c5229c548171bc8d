using Engine.Fillers;
using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.Layers.Vision;

/// <summary>Convolution: PyTorch reference values, numerical gradients over groups/dilation/stride/pad/N-D, and errors.</summary>
public class ConvolutionLayerTests
{
    internal static LayerParameter ConvDef(string type, int numOutput, uint[] kernel, uint[]? stride = null, uint[]? pad = null,
        uint[]? dilation = null, uint group = 1, bool bias = true, string name = "conv")
    {
        var p = new ConvolutionParameter
        {
            NumOutput = (uint)numOutput, Group = group, BiasTerm = bias,
            WeightFiller = Filler.Gaussian(0.5f), BiasFiller = Filler.Uniform(-0.5f, 0.5f),
        };
        p.KernelSize.AddRange(kernel);
        p.Stride.AddRange(stride ?? []);
        p.Pad.AddRange(pad ?? []);
        p.Dilation.AddRange(dilation ?? []);
        return new LayerParameter { Name = name, Type = type, ConvolutionParam = p };
    }

    /// <summary>Loads a fixture, runs forward and backward with its weights and top diff, and compares everything.</summary>
    internal static void RunFixture(string type, string fixtureName, bool forceNd = false)
    {
        LayerFixture f = LayerFixture.Load(fixtureName);
        LayerParameter def = ConvDef(type, f.Int("num_output"), f.UInts("kernel"), f.UInts("stride"), f.UInts("pad"),
            f.UInts("dilation"), (uint)f.Int("group"), f.Bool("bias"));
        def.ConvolutionParam.ForceNdIm2Col = forceNd;
        Blob x = f.Blob("x"), y = new("y");
        Layer layer = TestData.SetUp(def, [x], [y]);
        Assert.That(y.ShapeArray, Is.EqualTo(f.Shape("y")), "top shape");
        Assert.That(layer.Blobs[0].ShapeArray, Is.EqualTo(f.Shape("w")), "weight shape");
        f.Data("w").CopyTo(layer.Blobs[0].MutableData);
        if (f.Bool("bias"))
        {
            f.Data("b").CopyTo(layer.Blobs[1].MutableData);
        }
        layer.Forward([x], [y]);
        f.AssertClose("y", y.Data, $"{type} forward");
        f.Data("dy").CopyTo(y.MutableDiff);
        foreach (Blob p in layer.Blobs)
        {
            p.MutableDiff.Clear();
        }
        x.MutableDiff.Fill(float.NaN);
        layer.Backward([y], [true], [x]);
        f.AssertClose("dx", x.Diff, $"{type} bottom gradient");
        f.AssertClose("dw", layer.Blobs[0].Diff, $"{type} weight gradient");
        if (f.Bool("bias"))
        {
            f.AssertClose("db", layer.Blobs[1].Diff, $"{type} bias gradient");
        }
    }

    [TestCase("conv2d_group_dilation", false)]
    [TestCase("conv2d_group_dilation", true)]
    [TestCase("conv2d_plain", false)]
    [TestCase("conv3d", false)]
    [TestCase("conv1d_group", false)]
    public void MatchesPyTorch(string fixture, bool forceNd) => RunFixture("Convolution", fixture, forceNd);

    [Test]
    public void Gradient_2D_GroupsDilationStridePad_HwFields()
    {
        var def = ConvDef("Convolution", 6, [], dilation: [2], group: 2);
        def.ConvolutionParam.KernelH = 3;
        def.ConvolutionParam.KernelW = 2;
        def.ConvolutionParam.StrideH = 2;
        def.ConvolutionParam.StrideW = 1;
        def.ConvolutionParam.PadH = 1;
        def.ConvolutionParam.PadW = 2;
        Blob x = TestData.Uniform([2, 4, 7, 5], 11), y = new();
        Layer layer = TestData.SetUp(def, [x], [y]);
        // H: (7 + 2 − 5)/2 + 1 = 3; W: (5 + 4 − 3)/1 + 1 = 7.
        Assert.That(y.ShapeArray, Is.EqualTo(new[] { 2, 6, 3, 7 }));
        Assert.That(layer.Blobs[0].ShapeArray, Is.EqualTo(new[] { 6, 2, 3, 2 }));
        new GradientChecker(1e-2, 1e-3).Check(layer, [x], [y]);
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Gradient_2D_Groups3_ForceNd(bool forceNd)
    {
        var def = ConvDef("Convolution", 3, [3], [2], [1], [1], group: 3);
        def.ConvolutionParam.ForceNdIm2Col = forceNd;
        Blob x = TestData.Uniform([1, 3, 5, 5], 12), y = new();
        Layer layer = TestData.SetUp(def, [x], [y]);
        Assert.That(y.ShapeArray, Is.EqualTo(new[] { 1, 3, 3, 3 }));
        new GradientChecker(1e-2, 1e-3).Check(layer, [x], [y]);
    }

    [Test]
    public void Gradient_3D()
    {
        var def = ConvDef("Convolution", 3, [2, 3, 2], [1, 2, 1], [1, 0, 1], [1, 1, 2]);
        Blob x = TestData.Uniform([1, 2, 3, 5, 3], 13), y = new();
        Layer layer = TestData.SetUp(def, [x], [y]);
        // D: (3+2−2)/1+1 = 4; H: (5−3)/2+1 = 2; W: (3+2−3)/1+1 = 3.
        Assert.That(y.ShapeArray, Is.EqualTo(new[] { 1, 3, 4, 2, 3 }));
        new GradientChecker(1e-2, 1e-3).Check(layer, [x], [y]);
    }

    [Test]
    public void Gradient_1D_Axis2()
    {
        // Channel axis 2: axes 0 and 1 are both batch axes; one spatial axis (N-D path).
        var def = ConvDef("Convolution", 2, [3], [2], [1], [1]);
        def.ConvolutionParam.Axis = 2;
        Blob x = TestData.Uniform([2, 3, 3, 7], 14), y = new();
        Layer layer = TestData.SetUp(def, [x], [y]);
        Assert.That(y.ShapeArray, Is.EqualTo(new[] { 2, 3, 2, 4 }));
        new GradientChecker(1e-2, 1e-3).Check(layer, [x], [y]);
    }

    [Test]
    public void Gradient_TwoBottoms_1x1_NoBias_ShareWeights()
    {
        var def = ConvDef("Convolution", 5, [1], bias: false);
        Blob x1 = TestData.Uniform([2, 3, 3, 5], 15), x2 = TestData.Uniform([2, 3, 3, 5], 16), y1 = new(), y2 = new();
        Layer layer = TestData.SetUp(def, [x1, x2], [y1, y2]);
        Assert.That(layer.Blobs, Has.Count.EqualTo(1));
        Assert.That(y2.ShapeArray, Is.EqualTo(new[] { 2, 5, 3, 5 }));
        layer.Forward([x1, x2], [y1, y2]);
        // Same weights for both: y2 at (n,o,h,w) is Σ_c W[o,c]·x2[n,c,h,w].
        ReadOnlySpan<float> w = layer.Blobs[0].Data;
        double expected = 0;
        for (int c = 0; c < 3; c++)
        {
            expected += w[4 * 3 + c] * x2.Data[x2.Offset(1, c, 2, 3)];
        }
        Assert.That(y2.Data[y2.Offset(1, 4, 2, 3)], Is.EqualTo(expected).Within(1e-5));
        new GradientChecker(1e-2, 1e-3).Check(layer, [x1, x2], [y1, y2]);
    }

    [Test]
    public void Gradient_NoSpatialAxes_ActsLikeInnerProduct()
    {
        // A 2-axis bottom has no spatial axes: each image is a C-vector and the layer is a (grouped) inner product.
        var def = ConvDef("Convolution", 4, [1], group: 2);
        Blob x = TestData.Uniform([3, 6], 19), y = new();
        Layer layer = TestData.SetUp(def, [x], [y]);
        Assert.That(y.ShapeArray, Is.EqualTo(new[] { 3, 4 }));
        Assert.That(layer.Blobs[0].ShapeArray, Is.EqualTo(new[] { 4, 3 }));
        new GradientChecker(1e-2, 1e-3).Check(layer, [x], [y]);
    }

    [Test]
    public void ForwardFlops_CountsMultiplyAdds()
    {
        Blob x = TestData.Uniform([2, 4, 5, 5], 17), y = new();
        Layer layer = TestData.SetUp(ConvDef("Convolution", 6, [3], group: 2), [x], [y]);
        // 2 images × 6 outputs × 9 positions × (2 channels × 9 taps) multiply-adds, ×2, plus one add per output.
        Assert.That(layer.ForwardFlops([x], [y]), Is.EqualTo(2L * 2 * 6 * 9 * 18 + 2 * 6 * 9));
    }

    [Test]
    public void KernelLargerThanPaddedInput_NamesLayerAndShape()
    {
        Blob x = TestData.Uniform([1, 2, 3, 4], 1, name: "pixels"), y = new();
        var ex = Assert.Throws<LayerException>(() => TestData.SetUp(ConvDef("Convolution", 2, [5], pad: [0], name: "conv7"), [x], [y]));
        Assert.That(ex!.Message, Does.Contain("conv7").And.Contain("pixels").And.Contain("1 2 3 4 (24)").And.Contain("larger"));
    }

    [Test]
    public void ChannelsNotDivisibleByGroup_NamesLayerAndShape()
    {
        Blob x = TestData.Uniform([1, 3, 5, 5], 1, name: "rgb"), y = new();
        var ex = Assert.Throws<LayerException>(() => TestData.SetUp(ConvDef("Convolution", 4, [3], group: 2, name: "convg"), [x], [y]));
        Assert.That(ex!.Message, Does.Contain("convg").And.Contain("1 3 5 5 (75)").And.Contain("group 2"));
    }

    [Test]
    public void NumOutputNotDivisibleByGroup_Fails()
    {
        Blob x = TestData.Uniform([1, 4, 5, 5], 1), y = new();
        var ex = Assert.Throws<LayerException>(() => TestData.SetUp(ConvDef("Convolution", 3, [3], group: 2), [x], [y]));
        Assert.That(ex!.Message, Does.Contain("num_output 3"));
    }

    [Test]
    public void KernelSizeCountMismatch_And_BothKernelStyles_Fail()
    {
        Blob x = TestData.Uniform([1, 2, 5, 5], 1), y = new();
        var ex = Assert.Throws<LayerException>(() => TestData.SetUp(ConvDef("Convolution", 2, [3, 3, 3]), [x], [y]));
        Assert.That(ex!.Message, Does.Contain("kernel_size").And.Contain("3 time"));
        var both = ConvDef("Convolution", 2, [3]);
        both.ConvolutionParam.KernelH = 3;
        both.ConvolutionParam.KernelW = 3;
        Assert.That(() => TestData.SetUp(both, [x], [new Blob()]), Throws.TypeOf<LayerException>().With.Message.Contain("not both"));
        var onlyH = ConvDef("Convolution", 2, []);
        onlyH.ConvolutionParam.KernelH = 3;
        Assert.That(() => TestData.SetUp(onlyH, [x], [new Blob()]), Throws.TypeOf<LayerException>().With.Message.Contain("> 0"));
        Assert.That(() => TestData.SetUp(ConvDef("Convolution", 0, [3]), [x], [new Blob()]),
            Throws.TypeOf<LayerException>().With.Message.Contain("num_output"));
    }

    [Test]
    public void BottomsOfDifferentShapes_Fail()
    {
        Blob x1 = TestData.Uniform([1, 2, 5, 5], 1, name: "a"), x2 = TestData.Uniform([1, 2, 5, 6], 2, name: "b");
        var ex = Assert.Throws<LayerException>(() => TestData.SetUp(ConvDef("Convolution", 2, [3]), [x1, x2], [new Blob(), new Blob()]));
        Assert.That(ex!.Message, Does.Contain("1 2 5 5 (50)").And.Contain("1 2 5 6 (60)"));
    }

    [Test]
    public void Forward_AllocatesNothingAfterTheFirstCall()
    {
        Blob x = TestData.Uniform([2, 4, 9, 7], 18), y = new();
        Blob[] bottoms = [x], tops = [y];
        bool[] propagate = [true];
        Layer layer = TestData.SetUp(ConvDef("Convolution", 6, [3], [2], [1], [2], group: 2), bottoms, tops);
        layer.Forward(bottoms, tops);
        y.MutableDiff.Fill(1f);
        layer.Backward(tops, propagate, bottoms);
        long before = GC.GetAllocatedBytesForCurrentThread();
        layer.Forward(bottoms, tops);
        layer.Backward(tops, propagate, bottoms);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.EqualTo(0));
    }
}
