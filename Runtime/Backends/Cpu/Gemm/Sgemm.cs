using System.Numerics.Tensors;

namespace Engine.Backends.Cpu;

/// <summary>Row-major single-precision GEMM: C = alpha·op(A)·op(B) + beta·C.</summary>
public static class Sgemm
{
    /// <summary>
    /// C = alpha·op(A)·op(B) + beta·C. A is m×k (k×m when <paramref name="transA"/>) with row stride <paramref name="lda"/>;
    /// B is k×n (n×k when <paramref name="transB"/>) with row stride <paramref name="ldb"/>; C is m×n with row stride <paramref name="ldc"/>.
    /// </summary>
    public static void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc,
        WorkerPool? pool = null)
    {
        // Simple correct kernel; the packed, register-blocked one replaces it.
        for (int i = 0; i < m; i++)
        {
            Span<float> cRow = c.Slice(i * ldc, n);
            if (beta == 0f)
            {
                cRow.Clear();
            }
            else if (beta != 1f)
            {
                TensorPrimitives.Multiply(cRow, beta, cRow);
            }
            if (!transB)
            {
                for (int p = 0; p < k; p++)
                {
                    float av = alpha * (transA ? a[p * lda + i] : a[i * lda + p]);
                    if (av != 0f)
                    {
                        TensorPrimitives.MultiplyAdd(b.Slice(p * ldb, n), av, cRow, cRow);
                    }
                }
            }
            else
            {
                for (int j = 0; j < n; j++)
                {
                    float sum = 0f;
                    ReadOnlySpan<float> bRow = b.Slice(j * ldb, k);
                    if (!transA)
                    {
                        sum = TensorPrimitives.Dot(a.Slice(i * lda, k), bRow);
                    }
                    else
                    {
                        for (int p = 0; p < k; p++)
                        {
                            sum += a[p * lda + i] * bRow[p];
                        }
                    }
                    cRow[j] += alpha * sum;
                }
            }
        }
    }
}
