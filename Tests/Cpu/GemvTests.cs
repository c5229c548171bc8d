using System.Runtime.Intrinsics;
using Engine.Backends.Cpu;
using NUnit.Framework;

namespace Engine.Tests.Cpu;

/// <summary>
/// The dot-product form of the batch-1 GEMV (one output per matrix row): the 8-row, 4-row and one-row kernels and both
/// reading directions must give, bit for bit, the one-row loop's sums (four 8-lane accumulators over blocks of 32, an 8-wide
/// tail into the first, the lanes summed, then a scalar tail), which a plain loop below spells out; and those sums must be
/// near the exact dot products.
/// </summary>
public class GemvTests
{
    // Row counts around the 8- and 4-row groups, depths with and without 32-, 8- and 1-wide tails.
    [TestCase(1, 7)]
    [TestCase(3, 32)]
    [TestCase(8, 64)]
    [TestCase(13, 45)]
    [TestCase(20, 800)]
    [TestCase(31, 9)]
    [TestCase(64, 71)]
    [TestCase(500, 800)]
    public unsafe void Dots_EveryKernelAndDirection_GivesTheOneRowSums(int rows, int depth)
    {
        var random = new Random(rows * 1000 + depth);
        int ld = depth + 3;
        float[] matrix = Enumerable.Range(0, rows * ld).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] v = Enumerable.Range(0, depth).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var forward = new float[rows];
        var backward = new float[rows];
        fixed (float* m = matrix, pv = v, f = forward, b = backward)
        {
            Gemv.Dots(m, ld, rows, pv, depth, f, vector: true, reverse: false);
            Gemv.Dots(m, ld, rows, pv, depth, b, vector: true, reverse: true);
        }
        for (int j = 0; j < rows; j++)
        {
            ReadOnlySpan<float> row = matrix.AsSpan(j * ld, depth);
            float expected = OneRowOrder(row, v);
            Assert.That(forward[j], Is.EqualTo(expected), $"row {j} of {rows}, depth {depth}, first to last");
            Assert.That(backward[j], Is.EqualTo(expected), $"row {j} of {rows}, depth {depth}, last to first");
            double exact = 0;
            for (int p = 0; p < depth; p++) exact += (double)row[p] * v[p];
            Assert.That(forward[j], Is.EqualTo(exact).Within(1e-5 * depth), $"row {j}: far from the exact dot product");
        }
    }

    [Test]
    public void Multiply_BatchOneTwiceInARow_GivesTheSameResult()
    {
        // Successive calls read the rows in opposite directions; the outputs must not notice.
        var random = new Random(9);
        const int n = 500, k = 800;
        float[] x = Enumerable.Range(0, k).Select(_ => (float)random.NextDouble()).ToArray();
        float[] w = Enumerable.Range(0, n * k).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var first = new float[n];
        var second = new float[n];
        Sgemm.Multiply(false, true, 1, n, k, 1f, x, k, w, k, 0f, first, n);
        Sgemm.Multiply(false, true, 1, n, k, 1f, x, k, w, k, 0f, second, n);
        Assert.That(second, Is.EqualTo(first));
        for (int j = 0; j < n; j++)
        {
            Assert.That(first[j], Is.EqualTo(OneRowOrder(w.AsSpan(j * k, k), x)), $"output {j}");
        }
    }

    /// <summary>The one-row loop's summation order, element by element.</summary>
    private static float OneRowOrder(ReadOnlySpan<float> r, ReadOnlySpan<float> v)
    {
        var acc = new float[4, 8];
        int p = 0, len = r.Length;
        for (; p + 32 <= len; p += 32)
        for (int q = 0; q < 4; q++)
        for (int l = 0; l < 8; l++)
            acc[q, l] = MathF.FusedMultiplyAdd(r[p + 8 * q + l], v[p + 8 * q + l], acc[q, l]);
        for (; p + 8 <= len; p += 8)
        for (int l = 0; l < 8; l++)
            acc[0, l] = MathF.FusedMultiplyAdd(r[p + l], v[p + l], acc[0, l]);
        var lanes = new float[8];
        for (int l = 0; l < 8; l++) lanes[l] = (acc[0, l] + acc[1, l]) + (acc[2, l] + acc[3, l]);
        float sum = Vector256.Sum(Vector256.Create(lanes));
        for (; p < len; p++) sum = MathF.FusedMultiplyAdd(r[p], v[p], sum);
        return sum;
    }
}
