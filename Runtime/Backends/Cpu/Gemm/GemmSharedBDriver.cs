using System.Runtime.CompilerServices;

namespace Engine.Backends.Cpu;

/// <summary>
/// The shared-B multi-thread schedule of <see cref="GemmDriver{TKernel}"/>. For each NC-wide column block and KC-deep slice the
/// threads pack op(B) together into shared panels, then runs tasks of (MC-row block of A, range of NR-wide B panels); a task packs its block of op(A) into the
/// running thread's buffer (MC×kc, kept in L2) and then meets each B panel (kc×NR, in L1) with every A panel of the block.
/// </summary>
/// <remarks>
/// Determinism: the KC slicing depends only on k, and every C element is produced by one kernel call per slice with the same
/// fused multiply-add order whether its tile is full or ragged (ragged tiles run the same kernel on a scratch tile), so the
/// result is bit-identical for any thread count and any split of the tasks.
/// </remarks>
internal static unsafe class GemmSharedBDriver<TKernel> where TKernel : struct, IMicroKernel
{
    private const int PanelsPerPackTask = 8;

    public static void Run(ref GemmProblem problem, WorkerPool pool)
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        int m = problem.M, n = problem.N, k = problem.K;
        int MC = GemmDriver<TKernel>.MC, NC = GemmDriver<TKernel>.NC;
        int kcStep = GemmDriver<TKernel>.SliceDepth(k);
        int mPanels = (m + mr - 1) / mr;
        int threads = pool.ThreadCount;
        // Row blocks are whole A panels spread evenly; with several threads their count is a multiple of the thread count so
        // every thread gets the same amount of work between the barriers of consecutive KC slices.
        int mBlocks = (m + MC - 1) / MC;
        if (threads > 1) mBlocks = Math.Min(mPanels, (mBlocks + threads - 1) / threads * threads);
        var body = new Body
        {
            Problem = problem,
            PackedB = GemmScratch.PackedB.Get((long)RoundUp(Math.Min(n, NC), nr) * kcStep),
            MPanels = mPanels,
            MBlocks = mBlocks,
        };

        for (int jc = 0; jc < n; jc += NC)
        {
            int nc = Math.Min(NC, n - jc);
            int nPanels = (nc + nr - 1) / nr;
            body.Jc = jc;
            body.Nc = nc;
            body.NPanels = nPanels;
            // Few row blocks: split the columns too, so a thread that starts late (woken from sleep, preempted) can be covered by
            // the others through the dynamic schedule instead of holding up the barrier with a whole block.
            int nChunks = threads == 1 || mBlocks >= 2 * threads ? 1 : Math.Min(nPanels, (2 * threads + mBlocks - 1) / mBlocks);
            body.ChunkPanels = (nPanels + nChunks - 1) / nChunks;
            body.NChunks = (nPanels + body.ChunkPanels - 1) / body.ChunkPanels;
            body.PackBTasks = (nPanels + PanelsPerPackTask - 1) / PanelsPerPackTask;
            int packTasks = body.PackBTasks;

            for (int pc = 0; pc < k; pc += kcStep)
            {
                body.Pc = pc;
                body.Kc = Math.Min(kcStep, k - pc);
                body.BetaNow = pc == 0 ? problem.Beta : 1f;
                body.Packing = true;
                pool.For(packTasks, ref body);
                body.Packing = false;
                int tasks = mBlocks * body.NChunks;
                pool.For(tasks, ref body);
            }
        }
    }

    private static int RoundUp(int value, int multiple) => GemmDriver<TKernel>.RoundUp(value, multiple);

    private struct Body : IParallelBody
    {
        public GemmProblem Problem;
        public float* PackedB;
        public int MPanels, MBlocks;
        public int Jc, Nc, NPanels, ChunkPanels, NChunks, PackBTasks;
        public int Pc, Kc;
        public float BetaNow;
        public bool Packing;

        public readonly void Invoke(int index)
        {
            if (Packing) Pack(index);
            else Compute(index);
        }

        private readonly void Pack(int task)
        {
            int nr = TKernel.NR;
            int first = task * PanelsPerPackTask, last = Math.Min(NPanels, first + PanelsPerPackTask);
            for (int jp = first; jp < last; jp++)
            {
                int j = jp * nr;
                PanelPacker.PackB(PackedB + (nint)jp * Kc * nr, Problem.B, Problem.Ldb, Problem.TransB,
                    Pc, Kc, Jc + j, Math.Min(nr, Nc - j), nr);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private readonly void Compute(int task)
        {
            int mr = TKernel.MR, nr = TKernel.NR;
            int mb = task / NChunks, nb = task - mb * NChunks;
            int i0 = (int)((long)mb * MPanels / MBlocks) * mr;
            int i1 = Math.Min(Problem.M, (int)((long)(mb + 1) * MPanels / MBlocks) * mr);
            int jp0 = nb * ChunkPanels, jp1 = Math.Min(NPanels, jp0 + ChunkPanels);
            nint kc = Kc, ldc = Problem.Ldc;
            float alpha = Problem.Alpha, beta = BetaNow;

            // The thread that multiplies a row block packs it, into its own buffer: the panels land in this core's L2 just
            // before use instead of wherever another thread's cache put them.
            int ip0 = i0 / mr, ip1 = (i1 + mr - 1) / mr;
            float* packedA = GemmScratch.PackedA.Get((long)(ip1 - ip0) * mr * kc);
            for (int ip = ip0; ip < ip1; ip++)
            {
                int i = ip * mr;
                PanelPacker.PackA(packedA + (ip - ip0) * kc * mr, Problem.A, Problem.Lda, Problem.TransA,
                    i, Math.Min(mr, Problem.M - i), Pc, Kc, mr);
            }

            float* tile = stackalloc float[mr * nr];
            for (int jp = jp0; jp < jp1; jp++)
            {
                float* bp = PackedB + jp * kc * nr;
                int j = jp * nr;
                int cols = Math.Min(nr, Nc - j);
                float* cColumn = Problem.C + Jc + j;
                for (int i = i0; i < i1; i += mr)
                {
                    float* ap = packedA + (i / mr - ip0) * kc * mr;
                    float* cp = cColumn + i * ldc;
                    int rows = Math.Min(mr, i1 - i);
                    if (rows == mr && cols == nr)
                    {
                        TKernel.Run(kc, ap, bp, cp, ldc, alpha, beta);
                    }
                    else
                    {
                        GemmDriver<TKernel>.RunRagged(kc, ap, bp, cp, ldc, rows, cols, alpha, beta, tile);
                    }
                }
            }
        }
    }
}
