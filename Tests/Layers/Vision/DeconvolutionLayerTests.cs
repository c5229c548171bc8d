using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.Layers.Vision;

/// <summary>Deconvolution: PyTorch conv_transpose references, adjointness with Convolution, numerical gradients.</summary>
public class DeconvolutionLayerTests
{
    [TestCase("deconv2d_group_stride")]
    [TestCase("deconv2d_dilation")]
    public void MatchesPyTorch(string fixture) => ConvolutionLayerTests.RunFixture("Deconvolution", fixture);

    [Test]
    public void Gradient_GroupsStridePadDilation()
    {
        var def = ConvolutionLayerTests.ConvDef("Deconvolution", 4, [3, 2], [2, 1], [1, 0], [1, 2], group: 2);
        Blob x = TestData.Uniform([2, 6, 3, 4], 21), y = new();
        Layer layer = TestData.SetUp(def, [x], [y]);
        // H: 2·(3−1) + 3 − 2 = 5; W: 1·(4−1) + 3 − 0 = 6.
        Assert.That(y.ShapeArray, Is.EqualTo(new[] { 2, 4, 5, 6 }));
        Assert.That(layer.Blobs[0].ShapeArray, Is.EqualTo(new[] { 6, 2, 3, 2 }));
        new GradientChecker(1e-2, 1e-3).Check(layer, [x], [y]);
    }

    [Test]
    public void Gradient_1x1_TwoBottoms()
    {
        var def = ConvolutionLayerTests.ConvDef("Deconvolution", 4, [1], group: 2);
        Blob x1 = TestData.Uniform([2, 2, 3, 5], 25), x2 = TestData.Uniform([2, 2, 3, 5], 26), y1 = new(), y2 = new();
        Layer layer = TestData.SetUp(def, [x1, x2], [y1, y2]);
        Assert.That(y1.ShapeArray, Is.EqualTo(new[] { 2, 4, 3, 5 }));
        Assert.That(layer.Blobs[0].ShapeArray, Is.EqualTo(new[] { 2, 2, 1, 1 }));
        new GradientChecker(1e-2, 1e-3).Check(layer, [x1, x2], [y1, y2]);
    }

    [Test]
    public void Gradient_3D()
    {
        var def = ConvolutionLayerTests.ConvDef("Deconvolution", 2, [2], [2, 1, 1], [0, 1, 0], [1, 1, 2]);
        Blob x = TestData.Uniform([1, 3, 2, 3, 3], 22), y = new();
        Layer layer = TestData.SetUp(def, [x], [y]);
        // D: 2·1 + 2 = 4; H: 2 + 2 − 2 = 2; W: 2 + 3 = 5.
        Assert.That(y.ShapeArray, Is.EqualTo(new[] { 1, 2, 4, 2, 5 }));
        new GradientChecker(1e-2, 1e-3).Check(layer, [x], [y]);
    }

    /// <summary>⟨conv(x), v⟩ = ⟨x, deconv(v)⟩ with the same weights and geometry (no bias): deconvolution is the adjoint.</summary>
    [TestCase(1u, 1u, 1u, 1u)]
    [TestCase(2u, 1u, 1u, 2u)]
    [TestCase(3u, 2u, 2u, 1u)]
    public void IsTheAdjointOfConvolution(uint kernel, uint stride, uint dilation, uint group)
    {
        Blob x = TestData.Uniform([2, 4, 7, 7], 23), cy = new();
        var convDef = ConvolutionLayerTests.ConvDef("Convolution", 2 * (int)group, [kernel], [stride], [1], [dilation], group, bias: false);
        Layer conv = TestData.SetUp(convDef, [x], [cy]);
        conv.Forward([x], [cy]);
        Blob v = TestData.Uniform(cy.ShapeArray, 24), dz = new();
        var deconvDef = ConvolutionLayerTests.ConvDef("Deconvolution", 4, [kernel], [stride], [1], [dilation], group, bias: false);
        Layer deconv = TestData.SetUp(deconvDef, [v], [dz]);
        conv.Blobs[0].Data.CopyTo(deconv.Blobs[0].MutableData);
        deconv.Forward([v], [dz]);
        // Sizes are chosen so that no stride drops trailing pixels: the deconvolution restores x's shape exactly.
        Assert.That(dz.ShapeArray, Is.EqualTo(x.ShapeArray));
        double left = 0, right = 0;
        for (int i = 0; i < cy.Count; i++)
        {
            left += (double)cy.Data[i] * v.Data[i];
        }
        for (int n = 0; n < 2; n++)
        {
            for (int c = 0; c < 4; c++)
            {
                for (int h = 0; h < dz.Height; h++)
                {
                    for (int w = 0; w < dz.Width; w++)
                    {
                        right += (double)x.Data[x.Offset(n, c, h, w)] * dz.Data[dz.Offset(n, c, h, w)];
                    }
                }
            }
        }
        Assert.That(right, Is.EqualTo(left).Within(1e-4 * Math.Max(1, Math.Abs(left))));
    }

    [Test]
    public void EmptyOutput_NamesLayerAndShape()
    {
        var def = ConvolutionLayerTests.ConvDef("Deconvolution", 2, [1], [1], [2], name: "up1");
        Blob x = TestData.Uniform([1, 2, 2, 2], 1, name: "small");
        var ex = Assert.Throws<LayerException>(() => TestData.SetUp(def, [x], [new Blob()]));
        Assert.That(ex!.Message, Does.Contain("up1").And.Contain("small").And.Contain("1 2 2 2 (8)"));
    }
}
