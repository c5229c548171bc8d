using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.Layers.Vision;

/// <summary>
/// The vectorised 2×2 stride-2 max pooling against a plain loop over Caffe's rule (scan order row by row, strict "greater",
/// so the first of equal maxima wins): values and argmax (the mask top) on even widths that take the 8-wide, 4-wide and scalar
/// steps, with many ties, a NaN and infinities.
/// </summary>
public class MaxPool2x2VectorTests
{
    [TestCase(2, 3, 6, 22)] // 11 outputs per row: 8 + scalar 3.
    [TestCase(1, 2, 8, 8)] // 4 outputs per row: the 4-wide step.
    [TestCase(1, 4, 24, 24)] // LeNet pool1: 12 = 8 + 4.
    [TestCase(1, 1, 4, 18)] // 9 outputs per row: 8 + scalar 1.
    public void ValuesAndArgmax_MatchTheScalarRule(int num, int channels, int height, int width)
    {
        var param = new LayerParameter
        {
            Name = "pool", Type = "Pooling",
            PoolingParam = new PoolingParameter { Pool = PoolingParameter.Types.PoolMethod.Max, KernelSize = 2, Stride = 2 },
        };
        Blob x = TestData.Uniform([num, channels, height, width], 31), y = new(), mask = new();
        Span<float> xs = x.MutableData;
        for (int i = 0; i < xs.Length; i++) xs[i] = MathF.Floor(xs[i] * 3f); // Values 0, 1, 2: many ties.
        xs[1] = float.NaN;
        xs[width] = float.NegativeInfinity;
        xs[xs.Length - 2] = float.PositiveInfinity;
        Layer layer = TestData.SetUp(param, [x], [y, mask]);
        layer.Forward([x], [y, mask]);

        int ph = height / 2, pw = width / 2;
        for (int plane = 0; plane < num * channels; plane++)
        for (int r = 0; r < ph; r++)
        for (int q = 0; q < pw; q++)
        {
            float best = -float.MaxValue;
            int index = -1;
            for (int dy = 0; dy < 2; dy++)
            for (int dx = 0; dx < 2; dx++)
            {
                int at = (2 * r + dy) * width + 2 * q + dx;
                float v = xs[plane * height * width + at];
                if (v > best) { best = v; index = at; }
            }
            int o = (plane * ph + r) * pw + q;
            Assert.That(y.Data[o], Is.EqualTo(best), $"value at plane {plane}, ({r}, {q})");
            Assert.That(mask.Data[o], Is.EqualTo((float)index), $"argmax at plane {plane}, ({r}, {q})");
        }
    }
}
