namespace Engine.Backends.Cpu;

/// <summary>
/// op(B) of an SGEMM packed once into the micro-kernel's panel layout, for a B that is multiplied many times while it stays
/// the same (a fully connected layer's weights at inference): <see cref="Sgemm.MultiplyPrepacked"/> then reads the panels
/// instead of packing B on every call. The layout depends on the SGEMM path, so the packing remembers the path it was made for.
/// </summary>
internal sealed unsafe class PrepackedB
{
    private readonly AlignedScratch _buffer = new();

    /// <summary>Rows of op(B) (the depth of the product).</summary>
    public int K { get; private set; }

    /// <summary>Columns of op(B).</summary>
    public int N { get; private set; }

    /// <summary>The path whose kernel layout the panels follow; <see cref="SgemmPath.Auto"/> before the first packing.</summary>
    public SgemmPath Path { get; private set; }

    internal float* Data { get; private set; }

    internal nint Stride { get; private set; }

    /// <summary>Whether the panels were packed for the SGEMM path that runs now.</summary>
    public bool MatchesCurrentPath => Path != SgemmPath.Auto && Path == SgemmPathSelector.Current;

    /// <summary>
    /// Packs op(B), k×n, from <paramref name="b"/> (stored n×k when <paramref name="transB"/>). Allocates only when the
    /// buffer has to grow; large matrices are packed by the pool's threads.
    /// </summary>
    public void Pack(bool transB, int k, int n, ReadOnlySpan<float> b, int ldb, WorkerPool? pool = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        int rows = transB ? n : k, cols = transB ? k : n;
        if (ldb < cols) throw new ArgumentOutOfRangeException(nameof(ldb), ldb, $"Leading dimension of B must be at least {cols}.");
        if (b.Length < (long)(rows - 1) * ldb + cols)
            throw new ArgumentException($"B is {rows}×{cols} with leading dimension {ldb} but the span has {b.Length} elements.", nameof(b));
        var path = SgemmPathSelector.Current;
        switch (path)
        {
            // Both AVX-512 kernels are 32 columns wide with the same slicing, so one layout serves whichever the row count picks.
            case SgemmPath.Avx512: Pack<MicroKernel6x32Avx512>(transB, k, n, b, ldb, pool); break;
            case SgemmPath.Avx2: Pack<MicroKernel6x16Avx2>(transB, k, n, b, ldb, pool); break;
            default: Pack<MicroKernel4x8Portable>(transB, k, n, b, ldb, pool); break;
        }
        K = k;
        N = n;
        Path = path;
    }

    private void Pack<TKernel>(bool transB, int k, int n, ReadOnlySpan<float> b, int ldb, WorkerPool? pool)
        where TKernel : struct, IMicroKernel
    {
        int nr = TKernel.NR;
        int nPanels = (n + nr - 1) / nr;
        Stride = (nint)nPanels * nr;
        Data = _buffer.Get((long)Stride * k);
        fixed (float* pb = b)
        {
            var body = new PackBody<TKernel> { Dst = Data, Stride = Stride, B = pb, Ldb = ldb, TransB = transB, K = k, N = n, NPanels = nPanels };
            pool ??= WorkerPool.Shared;
            if (pool.ThreadCount > 1 && (long)k * n >= Sgemm.ParallelPackThreshold)
            {
                body.Tasks = Math.Min(nPanels, pool.ThreadCount);
                pool.For(body.Tasks, ref body);
            }
            else
            {
                GemmDriver<TKernel>.PackWholeB(Data, Stride, pb, ldb, transB, k, n, 0, nPanels);
            }
        }
    }

    private struct PackBody<TKernel> : IParallelBody where TKernel : struct, IMicroKernel
    {
        public float* Dst, B;
        public nint Stride, Ldb;
        public bool TransB;
        public int K, N, NPanels, Tasks;

        public readonly void Invoke(int index) => GemmDriver<TKernel>.PackWholeB(Dst, Stride, B, Ldb, TransB, K, N,
            (int)((long)index * NPanels / Tasks), (int)((long)(index + 1) * NPanels / Tasks));
    }
}
