using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Engine.Layers;

/// <summary>
/// C = A·Bᵀ + beta·C for a small C and a long inner dimension, A (m×k) and B (n×k) row-major: the weight gradient of a
/// convolution with few filters and a small kernel over a batch of images (LeNet's conv1: 20×25, k = images·576). A packed
/// GEMM wastes most of its register tile on such a C and transposes B while packing it; here every element is a dot product
/// of two contiguous rows, computed in 4×3 blocks so that each loaded vector feeds three or four multiply-adds.
/// </summary>
internal static class LongDotProducts
{
    /// <summary>Whether C is small enough that the dot products beat the packed GEMM.</summary>
    public static bool Suits(int m, int n, int k) => (long)m * n <= 1024 && k >= 256;

    public static void Multiply(int m, int n, int k, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc)
    {
        ref float a0 = ref MemoryMarshal.GetReference(a);
        ref float b0 = ref MemoryMarshal.GetReference(b);
        if (a.Length < (long)(m - 1) * lda + k || b.Length < (long)(n - 1) * ldb + k || c.Length < (long)(m - 1) * ldc + n)
        {
            throw new ArgumentException("a matrix span is shorter than its shape needs.");
        }
        int i = 0;
        for (; i + 4 <= m; i += 4)
        {
            int j = 0;
            for (; j + 3 <= n; j += 3)
            {
                Block4x3(ref Unsafe.Add(ref a0, i * lda), lda, ref Unsafe.Add(ref b0, j * ldb), ldb, k, beta, c.Slice(i * ldc + j), ldc);
            }
            for (; j < n; j++)
            {
                for (int r = 0; r < 4; r++)
                {
                    Store(ref c[(i + r) * ldc + j], beta, Dot(ref Unsafe.Add(ref a0, (i + r) * lda), ref Unsafe.Add(ref b0, j * ldb), k));
                }
            }
        }
        for (; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                Store(ref c[i * ldc + j], beta, Dot(ref Unsafe.Add(ref a0, i * lda), ref Unsafe.Add(ref b0, j * ldb), k));
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(ref float c, float beta, float value) => c = beta == 0f ? value : value + beta * c;

    private static float Dot(ref float x, ref float y, int k)
    {
        Vector256<float> acc = Vector256<float>.Zero;
        int p = 0;
        for (; p + 8 <= k; p += 8)
        {
            acc = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref x, (nuint)p), Vector256.LoadUnsafe(ref y, (nuint)p), acc);
        }
        float sum = Vector256.Sum(acc);
        for (; p < k; p++)
        {
            sum += Unsafe.Add(ref x, p) * Unsafe.Add(ref y, p);
        }
        return sum;
    }

    private static void Block4x3(ref float a, int lda, ref float b, int ldb, int k, float beta, Span<float> c, int ldc)
    {
        ref float a1 = ref Unsafe.Add(ref a, lda);
        ref float a2 = ref Unsafe.Add(ref a, 2 * lda);
        ref float a3 = ref Unsafe.Add(ref a, 3 * lda);
        ref float b1 = ref Unsafe.Add(ref b, ldb);
        ref float b2 = ref Unsafe.Add(ref b, 2 * ldb);
        Vector256<float> c00 = default, c01 = default, c02 = default, c10 = default, c11 = default, c12 = default;
        Vector256<float> c20 = default, c21 = default, c22 = default, c30 = default, c31 = default, c32 = default;
        int p = 0;
        for (; p + 8 <= k; p += 8)
        {
            nuint q = (nuint)p;
            Vector256<float> y0 = Vector256.LoadUnsafe(ref b, q);
            Vector256<float> y1 = Vector256.LoadUnsafe(ref b1, q);
            Vector256<float> y2 = Vector256.LoadUnsafe(ref b2, q);
            Vector256<float> x = Vector256.LoadUnsafe(ref a, q);
            c00 = Vector256.FusedMultiplyAdd(x, y0, c00);
            c01 = Vector256.FusedMultiplyAdd(x, y1, c01);
            c02 = Vector256.FusedMultiplyAdd(x, y2, c02);
            x = Vector256.LoadUnsafe(ref a1, q);
            c10 = Vector256.FusedMultiplyAdd(x, y0, c10);
            c11 = Vector256.FusedMultiplyAdd(x, y1, c11);
            c12 = Vector256.FusedMultiplyAdd(x, y2, c12);
            x = Vector256.LoadUnsafe(ref a2, q);
            c20 = Vector256.FusedMultiplyAdd(x, y0, c20);
            c21 = Vector256.FusedMultiplyAdd(x, y1, c21);
            c22 = Vector256.FusedMultiplyAdd(x, y2, c22);
            x = Vector256.LoadUnsafe(ref a3, q);
            c30 = Vector256.FusedMultiplyAdd(x, y0, c30);
            c31 = Vector256.FusedMultiplyAdd(x, y1, c31);
            c32 = Vector256.FusedMultiplyAdd(x, y2, c32);
        }
        Span<float> sums = stackalloc float[12];
        sums[0] = Vector256.Sum(c00); sums[1] = Vector256.Sum(c01); sums[2] = Vector256.Sum(c02);
        sums[3] = Vector256.Sum(c10); sums[4] = Vector256.Sum(c11); sums[5] = Vector256.Sum(c12);
        sums[6] = Vector256.Sum(c20); sums[7] = Vector256.Sum(c21); sums[8] = Vector256.Sum(c22);
        sums[9] = Vector256.Sum(c30); sums[10] = Vector256.Sum(c31); sums[11] = Vector256.Sum(c32);
        for (int r = 0; r < 4; r++)
        {
            ref float ar = ref Unsafe.Add(ref a, r * lda);
            for (int s = 0; s < 3; s++)
            {
                ref float bs = ref Unsafe.Add(ref b, s * ldb);
                float sum = sums[r * 3 + s];
                for (int t = p; t < k; t++)
                {
                    sum += Unsafe.Add(ref ar, t) * Unsafe.Add(ref bs, t);
                }
                Store(ref c[r * ldc + s], beta, sum);
            }
        }
    }
}
