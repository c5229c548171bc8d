using System.Runtime.CompilerServices;

namespace Engine.Backends.Cpu;

/// <summary>
/// The cache-blocked SGEMM loop nest around a micro-kernel. A block of C is computed by one thread: for each NC-wide column
/// block and KC-deep slice it packs op(B) into the thread's panels (kc×NR each, met in L1), then for each MC-row block packs
/// op(A) into the thread's buffer (MC×kc, kept in L2) and meets each B panel with every A panel of the block. Several threads
/// split C into independent blocks (<see cref="GemmPartition"/>), so a call has one fork and one join and no barrier between
/// KC slices. The older shared-B schedule (<see cref="GemmSharedBDriver{TKernel}"/>) stays selectable for tuning probes and
/// tests: measured in CPU time per product on two threads it was as efficient as the split at 256-1024 and less so at 2048 and
/// on the fully connected shapes (it spends the difference waiting at its barriers), so Auto runs the split.
/// </summary>
/// <remarks>
/// Determinism: the KC slicing depends only on k, and every C element is produced by one kernel call per slice with the same
/// fused multiply-add order whether its tile is full or ragged (ragged tiles run the same kernel on a scratch tile), so the
/// result is bit-identical for any thread count and any split of C.
/// </remarks>
internal static unsafe class GemmDriver<TKernel> where TKernel : struct, IMicroKernel
{
    // Block sizes. Settable only so tuning probes can sweep them in one process; nothing in the library changes them.
    internal static int KC = 256;
    internal static int MC = 144;
    internal static int NC = 4096;

    /// <summary>Which multi-thread schedule runs; tuning probes force one, the library leaves it on Auto.</summary>
    internal static GemmSchedule Schedule = GemmSchedule.Auto;

    /// <summary>Blocks of C per thread in the split schedule: more cover a late or preempted thread, fewer pack less twice.</summary>
    internal static int BlocksPerThread = 1;

    /// <summary>The depth of each KC slice: k split into equal slices of at most KC, a function of k alone.</summary>
    internal static int SliceDepth(int k)
    {
        int kBlocks = (k + KC - 1) / KC;
        return (k + kBlocks - 1) / kBlocks;
    }

    public static void Run(ref GemmProblem problem, WorkerPool? pool)
    {
        if (pool is null || pool.ThreadCount == 1)
        {
            RunBlock(in problem, 0, problem.M, 0, problem.N);
            return;
        }
        var schedule = Schedule;
        if (schedule == GemmSchedule.Auto) schedule = GemmSchedule.Split;
        if (schedule == GemmSchedule.SharedB && problem.PackedB == null)
        {
            GemmSharedBDriver<TKernel>.Run(ref problem, pool);
            return;
        }
        var partition = GemmPartition.Choose(problem.M, problem.N, problem.K, TKernel.MR, TKernel.NR, NC,
            pool.ThreadCount * BlocksPerThread);
        var body = new SplitBody { Problem = problem, Partition = partition };
        pool.For(partition.Blocks, ref body);
    }

    /// <summary>
    /// Computes rows [i0, i1) × columns [j0, j1) of C on the calling thread with its own packing buffers. i0 and j0 are
    /// multiples of MR and NR, so the tiles line up with those of any other split.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void RunBlock(in GemmProblem problem, int i0, int i1, int j0, int j1)
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        int k = problem.K;
        int kcStep = SliceDepth(k);
        int mcStep = Math.Max(mr, MC / mr * mr);
        int rows = i1 - i0, cols = j1 - j0;
        if (rows <= 0 || cols <= 0) return;
        // A prepacked B holds every slice and panel already: one column block covers the strip and nothing is packed.
        bool prepacked = problem.PackedB != null;
        int ncStep = prepacked ? RoundUp(cols, nr) : NC;
        // Sized for the whole product, not this block: which blocks a thread runs varies from call to call, and a buffer sized
        // to the block would grow (allocate) whenever a thread first meets the larger one, long after warm-up.
        float* packedB = prepacked ? null : GemmScratch.PackedB.Get((long)RoundUp(Math.Min(problem.N, NC), nr) * kcStep);
        float* packedA = GemmScratch.PackedA.Get((long)RoundUp(Math.Min(problem.M, mcStep), mr) * kcStep);
        float* tile = stackalloc float[mr * nr];
        nint ldc = problem.Ldc;
        float alpha = problem.Alpha;

        for (int jc = j0; jc < j1; jc += ncStep)
        {
            int nc = Math.Min(ncStep, j1 - jc);
            int nPanels = (nc + nr - 1) / nr;
            for (int pc = 0; pc < k; pc += kcStep)
            {
                int kc = Math.Min(kcStep, k - pc);
                float beta = pc == 0 ? problem.Beta : 1f;
                if (prepacked)
                {
                    packedB = problem.PackedB + pc * problem.PackedStride + (nint)(jc / nr) * kc * nr;
                }
                else
                {
                    for (int jp = 0; jp < nPanels; jp++)
                    {
                        int j = jp * nr;
                        PanelPacker.PackB(packedB + (nint)jp * kc * nr, problem.B, problem.Ldb, problem.TransB,
                            pc, kc, jc + j, Math.Min(nr, nc - j), nr);
                    }
                }
                for (int ic = i0; ic < i1; ic += mcStep)
                {
                    int mc = Math.Min(mcStep, i1 - ic);
                    int mPanels = (mc + mr - 1) / mr;
                    for (int ip = 0; ip < mPanels; ip++)
                    {
                        int i = ip * mr;
                        PanelPacker.PackA(packedA + (nint)ip * kc * mr, problem.A, problem.Lda, problem.TransA,
                            ic + i, Math.Min(mr, mc - i), pc, kc, mr);
                    }
                    for (int jp = 0; jp < nPanels; jp++)
                    {
                        float* bp = packedB + (nint)jp * kc * nr;
                        int j = jp * nr;
                        int width = Math.Min(nr, nc - j);
                        float* cColumn = problem.C + jc + j;
                        for (int ip = 0; ip < mPanels; ip++)
                        {
                            int i = ip * mr;
                            float* ap = packedA + (nint)ip * kc * mr;
                            float* cp = cColumn + (ic + i) * ldc;
                            int height = Math.Min(mr, mc - i);
                            if (height == mr && width == nr) TKernel.Run(kc, ap, bp, cp, ldc, alpha, beta);
                            else RunRagged(kc, ap, bp, cp, ldc, height, width, alpha, beta, tile);
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Packs panels [jp0, jp1) of op(B) (k×n) for every KC slice into <paramref name="dst"/>, laid out as the prepacked path
    /// reads it: slice at pc starts at pc × stride, and within it panel jp at jp × kc × NR.
    /// </summary>
    internal static void PackWholeB(float* dst, nint stride, float* b, nint ldb, bool transB, int k, int n, int jp0, int jp1)
    {
        int nr = TKernel.NR, kcStep = SliceDepth(k);
        for (int pc = 0; pc < k; pc += kcStep)
        {
            int kc = Math.Min(kcStep, k - pc);
            float* slice = dst + pc * stride;
            for (int jp = jp0; jp < jp1; jp++)
            {
                int j = jp * nr;
                PanelPacker.PackB(slice + (nint)jp * kc * nr, b, ldb, transB, pc, kc, j, Math.Min(nr, n - j), nr);
            }
        }
    }

    /// <summary>Runs the kernel on a scratch tile and copies back only the part of it inside C.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void RunRagged(nint kc, float* ap, float* bp, float* cp, nint ldc, int rows, int cols,
        float alpha, float beta, float* tile)
    {
        int nr = TKernel.NR;
        if (beta != 0f)
            for (int r = 0; r < rows; r++)
                new ReadOnlySpan<float>(cp + r * ldc, cols).CopyTo(new Span<float>(tile + r * nr, cols));
        TKernel.Run(kc, ap, bp, tile, nr, alpha, beta);
        for (int r = 0; r < rows; r++)
            new ReadOnlySpan<float>(tile + r * nr, cols).CopyTo(new Span<float>(cp + r * ldc, cols));
    }

    internal static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    private struct SplitBody : IParallelBody
    {
        public GemmProblem Problem;
        public GemmPartition Partition;

        public readonly void Invoke(int index)
        {
            Partition.Bounds(index, Problem.M, Problem.N, TKernel.MR, TKernel.NR, out int i0, out int i1, out int j0, out int j1);
            RunBlock(in Problem, i0, i1, j0, j1);
        }
    }
}

/// <summary>The multi-thread SGEMM schedules.</summary>
internal enum GemmSchedule
{
    /// <summary>Let the driver choose.</summary>
    Auto,
    /// <summary>Independent blocks of C, each with its own packing, one fork/join per call.</summary>
    Split,
    /// <summary>B packed once per KC slice into a shared buffer, then row blocks computed against it, with barriers.</summary>
    SharedB,
}
