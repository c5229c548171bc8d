using Engine.Layers;
using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.Layers.Vision;

/// <summary>
/// The im2col-free forward path of Convolution (unpadded, stride 1, output width a multiple of 8): its outputs against a
/// plain loop over the definition, on the shapes that take each of its blocks (wide 512-bit five- and four-channel, 256-bit,
/// channel remainder, no bias), and its gradients (the backward pass still runs through im2col).
/// </summary>
public class DirectConvolutionTests
{
    [TestCase(1, 1, 28, 28, 20, 5, true)] // LeNet conv1: five-channel wide blocks over 72 row vectors.
    [TestCase(2, 20, 12, 12, 50, 5, true)] // LeNet conv2: ten five-channel wide blocks.
    [TestCase(1, 3, 12, 12, 9, 5, true)] // A five- then a four-channel wide block.
    [TestCase(1, 2, 10, 10, 7, 3, false)] // A five-channel wide block, no bias, two channels left over.
    [TestCase(1, 3, 6, 10, 6, 3, true)] // Four row vectors: the 256-bit block, two channels left over.
    [TestCase(1, 2, 10, 12, 5, 5, false)] // Eight row vectors, no bias, one channel left over.
    public void Forward_MatchesTheDefinition(int num, int channels, int height, int width, int outputs, int kernel, bool bias)
    {
        LayerParameter def = ConvolutionLayerTests.ConvDef("Convolution", outputs, [(uint)kernel], bias: bias);
        Blob x = TestData.Uniform([num, channels, height, width], 21), y = new();
        Layer layer = TestData.SetUp(def, [x], [y]);
        layer.Forward([x], [y]);

        int oh = height - kernel + 1, ow = width - kernel + 1;
        Assert.That(y.ShapeArray, Is.EqualTo(new[] { num, outputs, oh, ow }));
        ReadOnlySpan<float> xs = x.Data, w = layer.Blobs[0].Data, ys = y.Data;
        double worst = 0;
        for (int n = 0; n < num; n++)
        for (int o = 0; o < outputs; o++)
        for (int r = 0; r < oh; r++)
        for (int q = 0; q < ow; q++)
        {
            double sum = bias ? layer.Blobs[1].Data[o] : 0;
            for (int c = 0; c < channels; c++)
            for (int ky = 0; ky < kernel; ky++)
            for (int kx = 0; kx < kernel; kx++)
            {
                sum += (double)w[((o * channels + c) * kernel + ky) * kernel + kx]
                    * xs[((n * channels + c) * height + r + ky) * width + q + kx];
            }
            worst = Math.Max(worst, Math.Abs(sum - ys[((n * outputs + o) * oh + r) * ow + q]));
        }
        Assert.That(worst, Is.LessThan(1e-4), "largest difference from the definition");
    }

    [TestCase(1, 28, 28, 20, 5, true)] // LeNet conv1 + pool1: three vectors per row, four five-channel blocks.
    [TestCase(20, 12, 12, 50, 5, true)] // LeNet conv2 + pool2: one vector per row.
    [TestCase(3, 10, 18, 7, 3, false)] // Two vectors per row, no bias, two channels through the plain path.
    public unsafe void ForwardMaxPool2x2_MatchesConvolutionThenPoolingBitForBit(int channels, int height, int width, int outputs, int kernel, bool bias)
    {
        var random = new Random(channels * 100 + outputs);
        float[] x = Enumerable.Range(0, channels * height * width).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] w = Enumerable.Range(0, outputs * channels * kernel * kernel).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        float[] b = Enumerable.Range(0, outputs).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        int oh = height - kernel + 1, ow = width - kernel + 1;
        var full = new float[outputs * oh * ow];
        var pooled = new float[outputs * oh * ow / 4];
        Array.Fill(pooled, float.NaN);
        fixed (float* px = x, pw = w, pb = b, pf = full, pp = pooled)
        {
            DirectConvolution.Forward(px, channels, height, width, pw, bias ? pb : null, outputs, kernel, kernel, pf);
            DirectConvolution.ForwardMaxPool2x2(px, channels, height, width, pw, bias ? pb : null, outputs, kernel, kernel, pp);
        }
        for (int o = 0; o < outputs; o++)
        for (int r = 0; r < oh / 2; r++)
        for (int q = 0; q < ow / 2; q++)
        {
            float best = -float.MaxValue;
            for (int dy = 0; dy < 2; dy++)
            for (int dx = 0; dx < 2; dx++)
            {
                float v = full[(o * oh + 2 * r + dy) * ow + 2 * q + dx];
                if (v > best) best = v;
            }
            Assert.That(pooled[(o * oh / 2 + r) * (ow / 2) + q], Is.EqualTo(best), $"channel {o}, ({r}, {q})");
        }
    }

    [Test]
    public void Gradient_OnTheDirectPathShape()
    {
        LayerParameter def = ConvolutionLayerTests.ConvDef("Convolution", 5, [3]);
        Blob x = TestData.Uniform([2, 2, 6, 10], 22), y = new();
        Layer layer = TestData.SetUp(def, [x], [y]);
        new GradientChecker(1e-2, 1e-3).Check(layer, [x], [y]);
    }
}
