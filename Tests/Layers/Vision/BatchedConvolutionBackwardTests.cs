using Engine.Layers;
using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.Layers.Vision;

/// <summary>
/// The batched backward of 2-D Convolution (side-by-side columns of several images, one GEMM per batch, dot products for a
/// small weight gradient) against sums taken straight from the definition, on shapes large enough to take every branch.
/// </summary>
public class BatchedConvolutionBackwardTests
{
    [TestCase(16, 1, 28, 20, 5, 1, 0, 1, TestName = "LeNetConv1_DotProductWeightGradient")]
    [TestCase(16, 20, 12, 50, 5, 1, 0, 1, TestName = "LeNetConv2_GemmWeightAndDataGradient")]
    [TestCase(5, 6, 11, 8, 3, 2, 1, 2, TestName = "StridePadGroups_RaggedChunks")]
    public void MatchesDirectSums(int num, int channels, int size, int outputs, int kernel, int stride, int pad, int group)
    {
        LayerParameter def = ConvolutionLayerTests.ConvDef("Convolution", outputs, [(uint)kernel], [(uint)stride], [(uint)pad],
            group: (uint)group);
        Blob x = TestData.Uniform([num, channels, size, size], 7), y = new();
        Layer layer = TestData.SetUp(def, [x], [y], seed: 11);
        layer.Forward([x], [y]);
        TestData.Uniform(y.ShapeArray, 9).Data.CopyTo(y.MutableDiff);
        foreach (Blob p in layer.Blobs)
        {
            p.MutableDiff.Fill(0.25f); // parameter diffs accumulate onto what is there
        }
        layer.Backward([y], [true], [x]);

        int outSize = (size + 2 * pad - kernel) / stride + 1;
        int cg = channels / group, og = outputs / group;
        float[] xs = x.Data.ToArray(), dy = y.Diff.ToArray(), w = layer.Blobs[0].Data.ToArray();
        var dx = new double[xs.Length];
        var dw = new double[w.Length];
        var db = new double[outputs];
        for (int n = 0; n < num; n++)
        {
            for (int o = 0; o < outputs; o++)
            {
                int g = o / og;
                for (int oy = 0; oy < outSize; oy++)
                {
                    for (int ox = 0; ox < outSize; ox++)
                    {
                        double d = dy[((n * outputs + o) * outSize + oy) * outSize + ox];
                        db[o] += d;
                        for (int c = 0; c < cg; c++)
                        {
                            for (int ky = 0; ky < kernel; ky++)
                            {
                                for (int kx = 0; kx < kernel; kx++)
                                {
                                    int iy = oy * stride - pad + ky, ix = ox * stride - pad + kx;
                                    if ((uint)iy >= (uint)size || (uint)ix >= (uint)size)
                                    {
                                        continue;
                                    }
                                    int xi = ((n * channels + g * cg + c) * size + iy) * size + ix;
                                    int wi = ((o * cg + c) * kernel + ky) * kernel + kx;
                                    dw[wi] += d * xs[xi];
                                    dx[xi] += d * w[wi];
                                }
                            }
                        }
                    }
                }
            }
        }
        AssertClose(x.Diff, dx, 0, "bottom diff");
        AssertClose(layer.Blobs[0].Diff, dw, 0.25, "weight diff");
        AssertClose(layer.Blobs[1].Diff, db, 0.25, "bias diff");
    }

    [TestCase(7, 5, 301, 0f)]
    [TestCase(8, 6, 512, 0.5f)]
    [TestCase(3, 2, 9, 1f)]
    public void LongDotProducts_MatchDoubleReference(int m, int n, int k, float beta)
    {
        int lda = k + 3, ldb = k + 5, ldc = n + 2;
        float[] a = TestData.Uniform([m * lda], 3).Data.ToArray();
        float[] b = TestData.Uniform([n * ldb], 4).Data.ToArray();
        float[] c = TestData.Uniform([m * ldc], 5).Data.ToArray();
        float[] expected = (float[])c.Clone();
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++)
                {
                    sum += (double)a[i * lda + p] * b[j * ldb + p];
                }
                expected[i * ldc + j] = (float)(sum + beta * c[i * ldc + j]);
            }
        }
        LongDotProducts.Multiply(m, n, k, a, lda, b, ldb, beta, c, ldc);
        Assert.That(c, Is.EqualTo(expected).Within(1e-3f * Math.Sqrt(k)));
    }

    private static void AssertClose(ReadOnlySpan<float> actual, double[] expected, double initial, string what)
    {
        Assert.That(actual.Length, Is.EqualTo(expected.Length), what);
        for (int i = 0; i < actual.Length; i++)
        {
            double e = expected[i] + initial;
            Assert.That(actual[i], Is.EqualTo(e).Within(1e-3 * (1 + Math.Abs(e))), $"{what}[{i}]");
        }
    }
}
