using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Engine.Backends.Cpu;

/// <summary>
/// Copies blocks of op(A) and op(B) into the panel layouts the micro-kernels stream through: A as MR-row panels stored k-major
/// (MR values per k), B as NR-column panels stored k-major (NR values per k). Rows or columns past the matrix edge are written
/// as zeros so the kernels always run full tiles.
/// </summary>
internal static unsafe class PanelPacker
{
    /// <summary>Packs rows [i0, i0 + rows) × depth [p0, p0 + kc) of op(A) into one MR×kc panel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
        int done = 0;
        if (mr == 6 && rows == 6 && Sse.IsSupported) done = PackSixRows(dst, a + (nint)i0 * lda + p0, lda, kc);
        else if (mr == 8 && rows == 8 && Sse.IsSupported) done = PackEightRows(dst, a + (nint)i0 * lda + p0, lda, kc);
        dst += done * mr;
        p0 += done;
        kc -= done;
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

    /// <summary>
    /// Transposes six full rows four k steps at a time with 4×4 shuffles (rows 0-3) and pair interleaves (rows 4-5): half the
    /// instructions of the element-by-element loop, which shows at n = 256 where packing is a tenth of the work.
    /// </summary>
    /// <returns>How many k steps were packed; the caller packs the rest.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int PackSixRows(float* dst, float* src, nint lda, int kc)
    {
        float* s0 = src, s1 = src + lda, s2 = s1 + lda, s3 = s2 + lda, s4 = s3 + lda, s5 = s4 + lda;
        int p = 0;
        for (; p + 4 <= kc; p += 4, dst += 24)
        {
            var r0 = Vector128.Load(s0 + p);
            var r1 = Vector128.Load(s1 + p);
            var r2 = Vector128.Load(s2 + p);
            var r3 = Vector128.Load(s3 + p);
            var r4 = Vector128.Load(s4 + p);
            var r5 = Vector128.Load(s5 + p);
            var t0 = Sse.UnpackLow(r0, r1);  // r0p0 r1p0 r0p1 r1p1
            var t1 = Sse.UnpackLow(r2, r3);  // r2p0 r3p0 r2p1 r3p1
            var t2 = Sse.UnpackHigh(r0, r1); // r0p2 r1p2 r0p3 r1p3
            var t3 = Sse.UnpackHigh(r2, r3); // r2p2 r3p2 r2p3 r3p3
            var u0 = Sse.UnpackLow(r4, r5);  // r4p0 r5p0 r4p1 r5p1
            var u1 = Sse.UnpackHigh(r4, r5); // r4p2 r5p2 r4p3 r5p3
            Vector128.Store(Sse.MoveLowToHigh(t0, t1), dst);
            Vector64.Store(u0.GetLower(), dst + 4);
            Vector128.Store(Sse.MoveHighToLow(t1, t0), dst + 6);
            Vector64.Store(u0.GetUpper(), dst + 10);
            Vector128.Store(Sse.MoveLowToHigh(t2, t3), dst + 12);
            Vector64.Store(u1.GetLower(), dst + 16);
            Vector128.Store(Sse.MoveHighToLow(t3, t2), dst + 18);
            Vector64.Store(u1.GetUpper(), dst + 22);
        }
        return p;
    }

    /// <summary>Transposes eight full rows four k steps at a time, as two 4×4 shuffles per step group.</summary>
    /// <returns>How many k steps were packed; the caller packs the rest.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int PackEightRows(float* dst, float* src, nint lda, int kc)
    {
        int p = 0;
        for (; p + 4 <= kc; p += 4, dst += 32)
        {
            for (int half = 0; half < 2; half++)
            {
                float* s = src + 4 * half * lda + p;
                var r0 = Vector128.Load(s);
                var r1 = Vector128.Load(s + lda);
                var r2 = Vector128.Load(s + 2 * lda);
                var r3 = Vector128.Load(s + 3 * lda);
                var t0 = Sse.UnpackLow(r0, r1);  // r0p0 r1p0 r0p1 r1p1
                var t1 = Sse.UnpackLow(r2, r3);  // r2p0 r3p0 r2p1 r3p1
                var t2 = Sse.UnpackHigh(r0, r1); // r0p2 r1p2 r0p3 r1p3
                var t3 = Sse.UnpackHigh(r2, r3); // r2p2 r3p2 r2p3 r3p3
                float* d = dst + 4 * half;
                Vector128.Store(Sse.MoveLowToHigh(t0, t1), d);
                Vector128.Store(Sse.MoveHighToLow(t1, t0), d + 8);
                Vector128.Store(Sse.MoveLowToHigh(t2, t3), d + 16);
                Vector128.Store(Sse.MoveHighToLow(t3, t2), d + 24);
            }
        }
        return p;
    }

    /// <summary>Packs depth [p0, p0 + kc) × columns [j0, j0 + cols) of op(B) into one kc×NR panel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
        int done = 0;
        if (cols == nr && nr % 8 == 0 && Avx.IsSupported)
        {
            for (int j = 0; j < nr; j += 8)
                done = Transpose8Columns(dst + j, nr, b + (nint)(j0 + j) * ldb + p0, ldb, kc);
        }
        dst += done * nr;
        p0 += done;
        kc -= done;
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

    /// <summary>
    /// Writes dst[p * nr + c] = src[c * lds + p] for eight columns c, eight k steps at a time, with the AVX 8×8 transpose
    /// (unpack, shuffle, lane permute): the transposed-B case of every fully connected layer, where copying element by
    /// element costs as much as a third of the multiply at batch 64.
    /// </summary>
    /// <returns>How many k steps were written; the caller writes the rest.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Transpose8Columns(float* dst, nint nr, float* src, nint lds, int kc)
    {
        int p = 0;
        for (; p + 8 <= kc; p += 8)
        {
            float* s = src + p;
            var t0 = Avx.UnpackLow(Avx.LoadVector256(s), Avx.LoadVector256(s + lds));
            var t1 = Avx.UnpackHigh(Avx.LoadVector256(s), Avx.LoadVector256(s + lds));
            var t2 = Avx.UnpackLow(Avx.LoadVector256(s + 2 * lds), Avx.LoadVector256(s + 3 * lds));
            var t3 = Avx.UnpackHigh(Avx.LoadVector256(s + 2 * lds), Avx.LoadVector256(s + 3 * lds));
            var t4 = Avx.UnpackLow(Avx.LoadVector256(s + 4 * lds), Avx.LoadVector256(s + 5 * lds));
            var t5 = Avx.UnpackHigh(Avx.LoadVector256(s + 4 * lds), Avx.LoadVector256(s + 5 * lds));
            var t6 = Avx.UnpackLow(Avx.LoadVector256(s + 6 * lds), Avx.LoadVector256(s + 7 * lds));
            var t7 = Avx.UnpackHigh(Avx.LoadVector256(s + 6 * lds), Avx.LoadVector256(s + 7 * lds));
            var u0 = Avx.Shuffle(t0, t2, 0x44);
            var u1 = Avx.Shuffle(t0, t2, 0xEE);
            var u2 = Avx.Shuffle(t1, t3, 0x44);
            var u3 = Avx.Shuffle(t1, t3, 0xEE);
            var u4 = Avx.Shuffle(t4, t6, 0x44);
            var u5 = Avx.Shuffle(t4, t6, 0xEE);
            var u6 = Avx.Shuffle(t5, t7, 0x44);
            var u7 = Avx.Shuffle(t5, t7, 0xEE);
            float* d = dst + p * nr;
            Avx.Store(d, Avx.Permute2x128(u0, u4, 0x20));
            Avx.Store(d + nr, Avx.Permute2x128(u1, u5, 0x20));
            Avx.Store(d + 2 * nr, Avx.Permute2x128(u2, u6, 0x20));
            Avx.Store(d + 3 * nr, Avx.Permute2x128(u3, u7, 0x20));
            Avx.Store(d + 4 * nr, Avx.Permute2x128(u0, u4, 0x31));
            Avx.Store(d + 5 * nr, Avx.Permute2x128(u1, u5, 0x31));
            Avx.Store(d + 6 * nr, Avx.Permute2x128(u2, u6, 0x31));
            Avx.Store(d + 7 * nr, Avx.Permute2x128(u3, u7, 0x31));
        }
        return p;
    }
}
