using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.Layers.Vision;

/// <summary>Im2col: column values against the definition (2-D fast path and N-D path), and gradients.</summary>
public class Im2colLayerTests
{
    private static LayerParameter Im2colDef(uint kernel, uint stride, uint pad, uint dilation, bool forceNd)
    {
        var p = new ConvolutionParameter { ForceNdIm2Col = forceNd };
        p.KernelSize.Add(kernel);
        p.Stride.Add(stride);
        p.Pad.Add(pad);
        p.Dilation.Add(dilation);
        return new LayerParameter { Name = "im2col", Type = "Im2col", ConvolutionParam = p };
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Columns_FollowTheDefinition(bool forceNd)
    {
        const int k = 3, s = 2, pad = 1, d = 2, c = 2, h = 7, w = 6;
        Blob x = TestData.Uniform([2, c, h, w], 61), y = new();
        Layer layer = TestData.SetUp(Im2colDef(k, s, pad, d, forceNd), [x], [y]);
        int outH = (h + 2 * pad - (d * (k - 1) + 1)) / s + 1, outW = (w + 2 * pad - (d * (k - 1) + 1)) / s + 1;
        Assert.That(y.ShapeArray, Is.EqualTo(new[] { 2, c * k * k, outH, outW }));
        layer.Forward([x], [y]);
        for (int n = 0; n < 2; n++)
        {
            for (int ch = 0; ch < c; ch++)
            {
                for (int ky = 0; ky < k; ky++)
                {
                    for (int kx = 0; kx < k; kx++)
                    {
                        int row = (ch * k + ky) * k + kx;
                        for (int oy = 0; oy < outH; oy++)
                        {
                            for (int ox = 0; ox < outW; ox++)
                            {
                                int iy = oy * s - pad + ky * d, ix = ox * s - pad + kx * d;
                                float expected = iy >= 0 && iy < h && ix >= 0 && ix < w ? x.Data[x.Offset(n, ch, iy, ix)] : 0f;
                                Assert.That(y.Data[y.Offset(n, row, oy, ox)], Is.EqualTo(expected));
                            }
                        }
                    }
                }
            }
        }
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Gradient(bool forceNd)
    {
        Blob x = TestData.Uniform([2, 2, 5, 4], 62), y = new();
        Layer layer = TestData.SetUp(Im2colDef(2, 1, 1, 2, forceNd), [x], [y]);
        new GradientChecker(1e-2, 1e-3).Check(layer, [x], [y]);
    }

    [Test]
    public void Gradient_3D()
    {
        Blob x = TestData.Uniform([1, 2, 3, 4, 3], 63), y = new();
        Layer layer = TestData.SetUp(Im2colDef(2, 2, 1, 1, false), [x], [y]);
        Assert.That(y.ShapeArray, Is.EqualTo(new[] { 1, 16, 2, 3, 2 }));
        new GradientChecker(1e-2, 1e-3).Check(layer, [x], [y]);
    }
}
