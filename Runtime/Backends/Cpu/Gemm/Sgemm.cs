namespace Engine.Backends.Cpu;

/// <summary>
/// Row-major single-precision GEMM: C = alpha * op(A) * op(B) + beta * C, where op(X) is X or its transpose.
/// </summary>
/// <remarks>
/// Packed, cache-blocked and register-blocked, with an AVX-512, an AVX2 + FMA and a portable Vector128 micro-kernel chosen at
/// run time. The m = 1 and n = 1 shapes take a GEMV path that reads the matrix in place. Large products are split over the
/// worker pool by blocks of C; the result is bit-identical whatever the pool's thread count. Allocates nothing after the
/// per-thread packing buffers have grown to the largest shape seen.
/// </remarks>
public static unsafe class Sgemm
{
    /// <summary>Products with fewer multiply-adds than this run on the calling thread only: waking a worker costs more.</summary>
    internal const long ParallelThreshold = 128L * 128 * 128;

    /// <summary>The same for the memory-bound m = 1 and n = 1 shapes, which gain from a second thread only on large matrices.</summary>
    internal const long GemvParallelThreshold = 1L << 18;

    /// <summary>
    /// Below this many rows the AVX-512 path runs its 8-row kernel (fewer loads per FMA, no ragged panel at the batch sizes of
    /// fully connected layers); from here on the 6-row one, which measured as fast or a little faster on large squares. Both
    /// sum every element in the same order, so the choice does not change the result.
    /// </summary>
    internal const int EightRowKernelBelow = 1024;

    /// <summary>Prepacking a B with fewer elements than this stays on the calling thread.</summary>
    internal const long ParallelPackThreshold = 1L << 16;

    /// <summary>
    /// C = alpha * op(A) * op(B) + beta * C. op(A) is m×k, op(B) is k×n and C is m×n, all row-major.
    /// </summary>
    /// <param name="transA">Whether A is stored transposed (k×m) rather than m×k.</param>
    /// <param name="transB">Whether B is stored transposed (n×k) rather than k×n.</param>
    /// <param name="m">Rows of op(A) and C.</param>
    /// <param name="n">Columns of op(B) and C.</param>
    /// <param name="k">Columns of op(A), rows of op(B). With k = 0 the product is empty and C becomes beta * C.</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="a">A, at least (rows - 1) * lda + columns elements of its stored shape.</param>
    /// <param name="lda">Distance between A's stored rows, at least its stored column count.</param>
    /// <param name="b">B, at least (rows - 1) * ldb + columns elements of its stored shape.</param>
    /// <param name="ldb">Distance between B's stored rows, at least its stored column count.</param>
    /// <param name="beta">Scale of C's previous contents; when 0, C is only written, so it may hold NaN or garbage.</param>
    /// <param name="c">C, at least (m - 1) * ldc + n elements.</param>
    /// <param name="ldc">Distance between C's rows, at least n.</param>
    /// <param name="pool">Threads to split a large product across; <see cref="WorkerPool.Shared"/> when null.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative or a leading dimension is too small.</exception>
    /// <exception cref="ArgumentException">A span is shorter than its matrix needs.</exception>
    public static void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc,
        WorkerPool? pool = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        if (m == 0 || n == 0) return;
        CheckMatrix(c.Length, m, n, ldc, "C", nameof(c), nameof(ldc));
        if (k == 0 || alpha == 0f)
        {
            Scale(c, m, n, ldc, beta);
            return;
        }
        CheckMatrix(a.Length, transA ? k : m, transA ? m : k, lda, transA ? "A (transposed, k×m)" : "A (m×k)", nameof(a), nameof(lda));
        CheckMatrix(b.Length, transB ? n : k, transB ? k : n, ldb, transB ? "B (transposed, n×k)" : "B (k×n)", nameof(b), nameof(ldb));

        fixed (float* pa = a, pb = b, pc = c)
        {
            var problem = new GemmProblem
            {
                TransA = transA, TransB = transB, M = m, N = n, K = k, Alpha = alpha, Beta = beta,
                A = pa, B = pb, C = pc, Lda = lda, Ldb = ldb, Ldc = ldc,
            };
            var path = SgemmPathSelector.Current;
            pool ??= WorkerPool.Shared;
            bool big = pool.ThreadCount > 1 && (long)m * n * k >= ((m == 1 || n == 1) ? GemvParallelThreshold : ParallelThreshold);
            var threads = big ? pool : null;
            if (m == 1 || n == 1)
            {
                Gemv.Run(ref problem, path, threads);
                return;
            }
            switch (path)
            {
                case SgemmPath.Avx512 when m < EightRowKernelBelow: GemmDriver<MicroKernel8x32Avx512>.Run(ref problem, threads); break;
                case SgemmPath.Avx512: GemmDriver<MicroKernel6x32Avx512>.Run(ref problem, threads); break;
                case SgemmPath.Avx2: GemmDriver<MicroKernel6x16Avx2>.Run(ref problem, threads); break;
                default: GemmDriver<MicroKernel4x8Portable>.Run(ref problem, threads); break;
            }
        }
    }

    /// <summary>
    /// C = alpha * op(A) * op(B) + beta * C with op(B) taken from <paramref name="b"/>, packed beforehand; bit-identical to
    /// <see cref="Multiply"/> on the B it was packed from when m is above 1 (one row runs the blocked kernels here, where
    /// Multiply takes its GEMV path).
    /// </summary>
    /// <exception cref="ArgumentException">The packing is for another depth or width, or for another SGEMM path.</exception>
    internal static void MultiplyPrepacked(bool transA, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda,
        PrepackedB b, float beta, Span<float> c, int ldc, WorkerPool? pool = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        if (b.K != k || b.N != n)
            throw new ArgumentException($"The prepacked B is {b.K}×{b.N} but the product needs {k}×{n}.", nameof(b));
        if (!b.MatchesCurrentPath)
            throw new ArgumentException($"The prepacked B was packed for SGEMM path {b.Path}, but {SgemmPathSelector.Current} runs now.", nameof(b));
        if (m == 0) return;
        CheckMatrix(c.Length, m, n, ldc, "C", nameof(c), nameof(ldc));
        if (alpha == 0f)
        {
            Scale(c, m, n, ldc, beta);
            return;
        }
        CheckMatrix(a.Length, transA ? k : m, transA ? m : k, lda, transA ? "A (transposed, k×m)" : "A (m×k)", nameof(a), nameof(lda));
        fixed (float* pa = a, pc = c)
        {
            var problem = new GemmProblem
            {
                TransA = transA, M = m, N = n, K = k, Alpha = alpha, Beta = beta,
                A = pa, C = pc, Lda = lda, Ldc = ldc, PackedB = b.Data, PackedStride = b.Stride,
            };
            pool ??= WorkerPool.Shared;
            var threads = pool.ThreadCount > 1 && (long)m * n * k >= ParallelThreshold ? pool : null;
            switch (b.Path)
            {
                case SgemmPath.Avx512 when m < EightRowKernelBelow: GemmDriver<MicroKernel8x32Avx512>.Run(ref problem, threads); break;
                case SgemmPath.Avx512: GemmDriver<MicroKernel6x32Avx512>.Run(ref problem, threads); break;
                case SgemmPath.Avx2: GemmDriver<MicroKernel6x16Avx2>.Run(ref problem, threads); break;
                default: GemmDriver<MicroKernel4x8Portable>.Run(ref problem, threads); break;
            }
        }
    }

    private static void CheckMatrix(int length, int rows, int cols, int ld, string what, string spanName, string ldName)
    {
        if (ld < Math.Max(1, cols))
            throw new ArgumentOutOfRangeException(ldName, ld, $"Leading dimension of {what} must be at least its column count {cols}.");
        long needed = (long)(rows - 1) * ld + cols;
        if (length < needed)
            throw new ArgumentException(
                $"{what} is {rows}×{cols} with leading dimension {ld} and needs {needed} elements, but the span has {length}.", spanName);
    }

    private static void Scale(Span<float> c, int m, int n, int ldc, float beta)
    {
        for (int i = 0; i < m; i++)
        {
            var row = c.Slice(i * ldc, n);
            if (beta == 0f) row.Clear();
            else if (beta != 1f)
                for (int j = 0; j < n; j++) row[j] *= beta;
        }
    }
}
