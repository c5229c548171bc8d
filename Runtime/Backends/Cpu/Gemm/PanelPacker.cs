using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Engine.Backends.Cpu;

/// <summary>
/// Copies blocks of op(A) and op(B) into the panel layouts the micro-kernels stream through: A as MR-row panels stored k-major
/// (MR values per k), B as NR-column panels stored k-major (NR values per k). Rows or columns past the matrix edge are written
/// as zeros so the kernels always run full tiles.
/// </summary>
internal static unsafe class PanelPacker
{
    /// <summary>Packs rows [i0, i0 + rows) × depth [p0, p0 + kc) of op(A) into one MR×kc panel.</summary>
    public static void PackA(float* dst, float* a, nint lda, bool transA, int i0, int rows, int p0, int kc, int mr)
    {
        if (transA)
        {
            // op(A)[i, p] = a[p * lda + i]: each k step is a contiguous run of rows.
            float* src = a + (nint)p0 * lda + i0;
            for (int p = 0; p < kc; p++, src += lda, dst += mr)
            {
                int i = 0;
                for (; i < rows; i++) dst[i] = src[i];
                for (; i < mr; i++) dst[i] = 0f;
            }
            return;
        }

        // op(A)[i, p] = a[i * lda + p]: read each row contiguously, write it with stride MR inside the panel.
        for (int i = 0; i < mr; i++)
        {
            float* d = dst + i;
            if (i < rows)
            {
                float* src = a + (nint)(i0 + i) * lda + p0;
                for (int p = 0; p < kc; p++) d[p * mr] = src[p];
            }
            else
            {
                for (int p = 0; p < kc; p++) d[p * mr] = 0f;
            }
        }
    }

    /// <summary>Packs depth [p0, p0 + kc) × columns [j0, j0 + cols) of op(B) into one kc×NR panel.</summary>
    public static void PackB(float* dst, float* b, nint ldb, bool transB, int p0, int kc, int j0, int cols, int nr)
    {
        if (!transB)
        {
            // op(B)[p, j] = b[p * ldb + j]: each k step is a contiguous run of columns.
            float* src = b + (nint)p0 * ldb + j0;
            if (cols == nr && nr % 8 == 0)
            {
                for (int p = 0; p < kc; p++, src += ldb, dst += nr)
                    for (int j = 0; j < nr; j += 8) Vector256.Store(Vector256.Load(src + j), dst + j);
                return;
            }
            for (int p = 0; p < kc; p++, src += ldb, dst += nr)
            {
                int j = 0;
                for (; j < cols; j++) dst[j] = src[j];
                for (; j < nr; j++) dst[j] = 0f;
            }
            return;
        }

        // op(B)[p, j] = b[j * ldb + p]: read each column of op(B) contiguously, write it with stride NR.
        for (int j = 0; j < nr; j++)
        {
            float* d = dst + j;
            if (j < cols)
            {
                float* src = b + (nint)(j0 + j) * ldb + p0;
                for (int p = 0; p < kc; p++) d[p * nr] = src[p];
            }
            else
            {
                for (int p = 0; p < kc; p++) d[p * nr] = 0f;
            }
        }
    }
}
