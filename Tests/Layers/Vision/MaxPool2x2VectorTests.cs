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

    [TestCase(2, 3, 6, 22)] // 8 + scalar 3 outputs per row.
    [TestCase(1, 2, 8, 8)] // the 4-wide step.
    [TestCase(1, 4, 24, 24)] // LeNet pool1: 8 + 4.
    [TestCase(1, 3, 6, 30)] // 8 + 4 + scalar 3.
    public void TestPhaseValues_MatchTheScalarRuleBitForBit(int num, int channels, int height, int width)
    {
        // In TEST phase with no mask top the layer keeps no positions; the values must still follow the rule exactly,
        // down to which of +0 and -0 wins a tie.
        Blob x = TestData.Uniform([num, channels, height, width], 32), y = new();
        Span<float> xs = x.MutableData;
        for (int i = 0; i < xs.Length; i++) xs[i] = (i % 5) switch { 0 => 0f, 1 => -0f, _ => MathF.Floor(xs[i] * 3f) - 1f };
        xs[1] = float.NaN;
        xs[2 * width + 3] = float.NaN;
        xs[width] = float.NegativeInfinity;
        xs[xs.Length - 2] = float.PositiveInfinity;
        Layer layer = TestData.SetUp(Max2x2(Phase.Test), [x], [y]);
        layer.Forward([x], [y]);

        int ph = height / 2, pw = width / 2;
        for (int plane = 0; plane < num * channels; plane++)
        for (int r = 0; r < ph; r++)
        for (int q = 0; q < pw; q++)
        {
            float best = -float.MaxValue;
            for (int dy = 0; dy < 2; dy++)
            for (int dx = 0; dx < 2; dx++)
            {
                float v = xs[plane * height * width + (2 * r + dy) * width + 2 * q + dx];
                if (v > best) best = v;
            }
            int o = (plane * ph + r) * pw + q;
            Assert.That(BitConverter.SingleToInt32Bits(y.Data[o]), Is.EqualTo(BitConverter.SingleToInt32Bits(best)),
                $"value at plane {plane}, ({r}, {q}): {y.Data[o]} instead of {best}");
        }
    }

    [Test]
    public void TestPhaseBackward_RoutesLikeTrainPhase_EvenAfterTheTopChanged()
    {
        // The TEST-phase forward leaves the positions to backward, which finds them from the bottom; an in-place consumer
        // that rewrites the top in between must change neither the routing nor the top.
        Blob x = TestData.Uniform([2, 3, 8, 14], 33);
        Span<float> xs = x.MutableData;
        for (int i = 0; i < xs.Length; i++) xs[i] = MathF.Floor(xs[i] * 4f); // ties
        Blob trainTop = new(), testTop = new();
        Layer train = TestData.SetUp(Max2x2(Phase.Train), [x], [trainTop]);
        Layer test = TestData.SetUp(Max2x2(Phase.Test), [x], [testTop]);
        train.Forward([x], [trainTop]);
        test.Forward([x], [testTop]);
        Assert.That(testTop.Data.ToArray(), Is.EqualTo(trainTop.Data.ToArray()), "forward values");

        Span<float> top = testTop.MutableData;
        for (int i = 0; i < top.Length; i++) top[i] = -1000f - i;
        float[] rewritten = top.ToArray();
        Blob dy = TestData.Uniform(trainTop.ShapeArray, 34);
        dy.Data.CopyTo(trainTop.MutableDiff);
        dy.Data.CopyTo(testTop.MutableDiff);
        train.Backward([trainTop], [true], [x]);
        float[] expected = x.Diff.ToArray();
        x.MutableDiff.Fill(float.NaN);
        test.Backward([testTop], [true], [x]);
        Assert.That(x.Diff.ToArray(), Is.EqualTo(expected), "bottom gradient");
        Assert.That(testTop.Data.ToArray(), Is.EqualTo(rewritten), "the top after backward");
    }

    private static LayerParameter Max2x2(Phase phase) => new()
    {
        Name = "pool", Type = "Pooling", Phase = phase,
        PoolingParam = new PoolingParameter { Pool = PoolingParameter.Types.PoolMethod.Max, KernelSize = 2, Stride = 2 },
    };
}
