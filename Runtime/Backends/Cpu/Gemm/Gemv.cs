using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Engine.Backends.Cpu;

/// <summary>
/// The m = 1 and n = 1 shapes (batch-1 inference). Packing would copy all of the matrix for a single use, so these read it in
/// place: either as a weighted sum of rows (the output runs along the matrix's contiguous dimension) or as dot products (the
/// depth does). Each output element accumulates over k in order, so the split between vector and tail code cannot change it.
/// </summary>
internal static unsafe class Gemv
{
    // Outputs per parallel task: a multiple of the 32-wide vector block, so the split never moves an element into tail code.
    private const int OutputsPerTask = 256;

    private static int s_calls;

    public static void Run(ref GemmProblem p, SgemmPath path, WorkerPool? pool)
    {
        var body = new Body { Vector = path != SgemmPath.Portable, K = p.K, Alpha = p.Alpha, Beta = p.Beta, C = p.C };
        // Alternate the direction in which the rows are read from call to call: a matrix somewhat larger than L2 read the
        // same way each time misses on every line (the least recently used line is always the next one wanted), whereas
        // coming back the other way starts on the lines the last call left in L2. Rows are independent, so results are not
        // affected; an unsynchronised counter is enough for that.
        body.Reverse = (++s_calls & 1) == 0;
        if (p.M == 1)
        {
            body.Count = p.N;
            body.OutStride = 1;
            float* w = p.A;
            nint ws = p.TransA ? p.Lda : 1;
            body.RowsOfMatrix = !p.TransB;
            body.Matrix = p.B;
            body.Ld = p.Ldb;
            body.Weights = body.RowsOfMatrix ? w : Contiguous(w, ws, p.K);
            body.WeightStride = body.RowsOfMatrix ? ws : 1;
        }
        else
        {
            body.Count = p.M;
            body.OutStride = p.Ldc;
            float* v = p.B;
            nint vs = p.TransB ? 1 : p.Ldb;
            body.RowsOfMatrix = p.TransA;
            body.Matrix = p.A;
            body.Ld = p.Lda;
            body.Weights = body.RowsOfMatrix ? v : Contiguous(v, vs, p.K);
            body.WeightStride = body.RowsOfMatrix ? vs : 1;
        }

        int tasks = (body.Count + OutputsPerTask - 1) / OutputsPerTask;
        if (pool is null || tasks == 1)
        {
            body.Chunk = body.Count;
            body.Invoke(0);
        }
        else
        {
            body.Chunk = OutputsPerTask;
            pool.For(tasks, ref body);
        }
    }

    private struct Body : IParallelBody
    {
        public bool Vector, RowsOfMatrix, Reverse;
        public int K, Count, Chunk;
        public float Alpha, Beta;
        public float* Matrix, Weights, C;
        public nint Ld, WeightStride, OutStride;

        public readonly void Invoke(int index)
        {
            int first = index * Chunk, count = Math.Min(Chunk, Count - first);
            // Results pass through a stack buffer so the epilogue can handle a strided C and beta in one place.
            const int Block = OutputsPerTask;
            float* buffer = stackalloc float[Block];
            int blocks = (count + Block - 1) / Block;
            for (int b = 0; b < blocks; b++)
            {
                int start = first + (Reverse ? blocks - 1 - b : b) * Block;
                int len = Math.Min(Block, first + count - start);
                if (RowsOfMatrix) RowCombination(Weights, WeightStride, Matrix + start, Ld, K, len, buffer, Vector);
                else Dots(Matrix + start * Ld, Ld, len, Weights, K, buffer, Vector, Reverse);
                float* c = C + start * OutStride;
                if (Beta == 0f)
                    for (int i = 0; i < len; i++) c[i * OutStride] = Alpha * buffer[i];
                else
                    for (int i = 0; i < len; i++) c[i * OutStride] = MathF.FusedMultiplyAdd(Alpha, buffer[i], Beta * c[i * OutStride]);
            }
        }
    }

    private static float* Contiguous(float* v, nint stride, int length)
    {
        if (stride == 1) return v;
        float* copy = GemmScratch.Vector.Get(length);
        for (int i = 0; i < length; i++) copy[i] = v[i * stride];
        return copy;
    }

    /// <summary>result[j] = sum_p w[p * ws] * x[p * ldx + j] for j in [0, len).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowCombination(float* w, nint ws, float* x, nint ldx, int rows, int len, float* result, bool vector)
    {
        int j = 0;
        if (vector && Fma.IsSupported)
        {
            for (; j + 32 <= len; j += 32)
            {
                Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
                float* xp = x + j;
                for (int p = 0; p < rows; p++, xp += ldx)
                {
                    var wv = Vector256.Create(w[p * ws]);
                    s0 = Fma.MultiplyAdd(wv, Vector256.Load(xp), s0);
                    s1 = Fma.MultiplyAdd(wv, Vector256.Load(xp + 8), s1);
                    s2 = Fma.MultiplyAdd(wv, Vector256.Load(xp + 16), s2);
                    s3 = Fma.MultiplyAdd(wv, Vector256.Load(xp + 24), s3);
                }
                s0.Store(result + j); s1.Store(result + j + 8); s2.Store(result + j + 16); s3.Store(result + j + 24);
            }
            for (; j + 8 <= len; j += 8)
            {
                Vector256<float> s0 = default;
                float* xp = x + j;
                for (int p = 0; p < rows; p++, xp += ldx) s0 = Fma.MultiplyAdd(Vector256.Create(w[p * ws]), Vector256.Load(xp), s0);
                s0.Store(result + j);
            }
            for (; j < len; j++)
            {
                float s = 0f;
                for (int p = 0; p < rows; p++) s = MathF.FusedMultiplyAdd(w[p * ws], x[p * ldx + j], s);
                result[j] = s;
            }
            return;
        }

        for (; j < len; j++) result[j] = 0f;
        for (int p = 0; p < rows; p++)
        {
            float wp = w[p * ws];
            float* xp = x + p * ldx;
            for (j = 0; j < len; j++) result[j] += wp * xp[j];
        }
    }

    /// <summary>
    /// result[j] = sum_p r[j * ldr + p] * v[p] for j in [0, count); <paramref name="reverse"/> reads the groups of rows last
    /// first (same results).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Dots(float* r, nint ldr, int count, float* v, int len, float* result, bool vector, bool reverse)
    {
        int first = 0;
        if (vector && Avx512F.IsSupported && reverse)
        {
            int groups = count / 8;
            for (int g = groups - 1; g >= 0; g--) Dots8(r + g * 8 * ldr, ldr, v, len, result + g * 8);
            first = groups * 8;
            r += first * ldr;
        }
        if (vector && Avx512F.IsSupported)
        {
            // Eight rows at a time in 512-bit halves: eight memory streams keep more L3 requests in flight than four, and
            // each 512-bit accumulator holds two of the one-row loop's 256-bit accumulators lane for lane, so the sums
            // are the same.
            for (; first + 8 <= count; first += 8, r += 8 * ldr) Dots8(r, ldr, v, len, result + first);
        }
        if (vector && Avx512F.VL.IsSupported)
        {
            // Four rows at a time: each vector of v is loaded once for four rows and four memory streams run at once. Every
            // row keeps the one-row loop's accumulators and reduction order, so its result does not depend on its group.
            for (; first + 4 <= count; first += 4, r += 4 * ldr) Dots4(r, ldr, v, len, result + first);
        }
        for (int j = first; j < count; j++, r += ldr)
        {
            int p = 0;
            float sum = 0f;
            if (vector && Fma.IsSupported)
            {
                Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
                for (; p + 32 <= len; p += 32)
                {
                    s0 = Fma.MultiplyAdd(Vector256.Load(r + p), Vector256.Load(v + p), s0);
                    s1 = Fma.MultiplyAdd(Vector256.Load(r + p + 8), Vector256.Load(v + p + 8), s1);
                    s2 = Fma.MultiplyAdd(Vector256.Load(r + p + 16), Vector256.Load(v + p + 16), s2);
                    s3 = Fma.MultiplyAdd(Vector256.Load(r + p + 24), Vector256.Load(v + p + 24), s3);
                }
                for (; p + 8 <= len; p += 8) s0 = Fma.MultiplyAdd(Vector256.Load(r + p), Vector256.Load(v + p), s0);
                sum = Vector256.Sum((s0 + s1) + (s2 + s3));
                for (; p < len; p++) sum = MathF.FusedMultiplyAdd(r[p], v[p], sum);
            }
            else
            {
                for (; p < len; p++) sum += r[p] * v[p];
            }
            result[j] = sum;
        }
    }

    /// <summary>Four rows of <see cref="Dots"/> (32 registers: 16 accumulators, the v vectors and the row loads).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dots4(float* r, nint ldr, float* v, int len, float* result)
    {
        float* r1 = r + ldr, r2 = r1 + ldr, r3 = r2 + ldr;
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector256<float> b0 = default, b1 = default, b2 = default, b3 = default;
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default;
        Vector256<float> d0 = default, d1 = default, d2 = default, d3 = default;
        int p = 0;
        for (; p + 32 <= len; p += 32)
        {
            Vector256<float> v0 = Vector256.Load(v + p), v1 = Vector256.Load(v + p + 8);
            Vector256<float> v2 = Vector256.Load(v + p + 16), v3 = Vector256.Load(v + p + 24);
            a0 = Fma.MultiplyAdd(Vector256.Load(r + p), v0, a0); a1 = Fma.MultiplyAdd(Vector256.Load(r + p + 8), v1, a1);
            a2 = Fma.MultiplyAdd(Vector256.Load(r + p + 16), v2, a2); a3 = Fma.MultiplyAdd(Vector256.Load(r + p + 24), v3, a3);
            b0 = Fma.MultiplyAdd(Vector256.Load(r1 + p), v0, b0); b1 = Fma.MultiplyAdd(Vector256.Load(r1 + p + 8), v1, b1);
            b2 = Fma.MultiplyAdd(Vector256.Load(r1 + p + 16), v2, b2); b3 = Fma.MultiplyAdd(Vector256.Load(r1 + p + 24), v3, b3);
            c0 = Fma.MultiplyAdd(Vector256.Load(r2 + p), v0, c0); c1 = Fma.MultiplyAdd(Vector256.Load(r2 + p + 8), v1, c1);
            c2 = Fma.MultiplyAdd(Vector256.Load(r2 + p + 16), v2, c2); c3 = Fma.MultiplyAdd(Vector256.Load(r2 + p + 24), v3, c3);
            d0 = Fma.MultiplyAdd(Vector256.Load(r3 + p), v0, d0); d1 = Fma.MultiplyAdd(Vector256.Load(r3 + p + 8), v1, d1);
            d2 = Fma.MultiplyAdd(Vector256.Load(r3 + p + 16), v2, d2); d3 = Fma.MultiplyAdd(Vector256.Load(r3 + p + 24), v3, d3);
        }
        for (; p + 8 <= len; p += 8)
        {
            Vector256<float> v0 = Vector256.Load(v + p);
            a0 = Fma.MultiplyAdd(Vector256.Load(r + p), v0, a0);
            b0 = Fma.MultiplyAdd(Vector256.Load(r1 + p), v0, b0);
            c0 = Fma.MultiplyAdd(Vector256.Load(r2 + p), v0, c0);
            d0 = Fma.MultiplyAdd(Vector256.Load(r3 + p), v0, d0);
        }
        float sa = Vector256.Sum((a0 + a1) + (a2 + a3)), sb = Vector256.Sum((b0 + b1) + (b2 + b3));
        float sc = Vector256.Sum((c0 + c1) + (c2 + c3)), sd = Vector256.Sum((d0 + d1) + (d2 + d3));
        for (; p < len; p++)
        {
            sa = MathF.FusedMultiplyAdd(r[p], v[p], sa);
            sb = MathF.FusedMultiplyAdd(r1[p], v[p], sb);
            sc = MathF.FusedMultiplyAdd(r2[p], v[p], sc);
            sd = MathF.FusedMultiplyAdd(r3[p], v[p], sd);
        }
        result[0] = sa;
        result[1] = sb;
        result[2] = sc;
        result[3] = sd;
    }

    /// <summary>
    /// Eight rows of <see cref="Dots"/>: per row a 512-bit accumulator pair holding the one-row loop's accumulators 0|1 and
    /// 2|3. (Software prefetch a few lines ahead on each row measured no better: the hardware prefetcher keeps up.)
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dots8(float* r, nint ldr, float* v, int len, float* result)
    {
        Vector512<float> a0 = default, a1 = default, b0 = default, b1 = default, c0 = default, c1 = default, d0 = default, d1 = default;
        Vector512<float> e0 = default, e1 = default, f0 = default, f1 = default, g0 = default, g1 = default, h0 = default, h1 = default;
        float* r1 = r + ldr, r2 = r1 + ldr, r3 = r2 + ldr, r4 = r3 + ldr, r5 = r4 + ldr, r6 = r5 + ldr, r7 = r6 + ldr;
        int p = 0;
        for (; p + 32 <= len; p += 32)
        {
            Vector512<float> v0 = Vector512.Load(v + p), v1 = Vector512.Load(v + p + 16);
            a0 = Avx512F.FusedMultiplyAdd(Vector512.Load(r + p), v0, a0); a1 = Avx512F.FusedMultiplyAdd(Vector512.Load(r + p + 16), v1, a1);
            b0 = Avx512F.FusedMultiplyAdd(Vector512.Load(r1 + p), v0, b0); b1 = Avx512F.FusedMultiplyAdd(Vector512.Load(r1 + p + 16), v1, b1);
            c0 = Avx512F.FusedMultiplyAdd(Vector512.Load(r2 + p), v0, c0); c1 = Avx512F.FusedMultiplyAdd(Vector512.Load(r2 + p + 16), v1, c1);
            d0 = Avx512F.FusedMultiplyAdd(Vector512.Load(r3 + p), v0, d0); d1 = Avx512F.FusedMultiplyAdd(Vector512.Load(r3 + p + 16), v1, d1);
            e0 = Avx512F.FusedMultiplyAdd(Vector512.Load(r4 + p), v0, e0); e1 = Avx512F.FusedMultiplyAdd(Vector512.Load(r4 + p + 16), v1, e1);
            f0 = Avx512F.FusedMultiplyAdd(Vector512.Load(r5 + p), v0, f0); f1 = Avx512F.FusedMultiplyAdd(Vector512.Load(r5 + p + 16), v1, f1);
            g0 = Avx512F.FusedMultiplyAdd(Vector512.Load(r6 + p), v0, g0); g1 = Avx512F.FusedMultiplyAdd(Vector512.Load(r6 + p + 16), v1, g1);
            h0 = Avx512F.FusedMultiplyAdd(Vector512.Load(r7 + p), v0, h0); h1 = Avx512F.FusedMultiplyAdd(Vector512.Load(r7 + p + 16), v1, h1);
        }
        result[0] = Finish(a0, a1, r, v, p, len);
        result[1] = Finish(b0, b1, r1, v, p, len);
        result[2] = Finish(c0, c1, r2, v, p, len);
        result[3] = Finish(d0, d1, r3, v, p, len);
        result[4] = Finish(e0, e1, r4, v, p, len);
        result[5] = Finish(f0, f1, r5, v, p, len);
        result[6] = Finish(g0, g1, r6, v, p, len);
        result[7] = Finish(h0, h1, r7, v, p, len);
    }

    /// <summary>The one-row loop's 8-wide tail and reduction, from the accumulator pairs (0|1, 2|3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Finish(Vector512<float> low, Vector512<float> high, float* r, float* v, int p, int len)
    {
        Vector256<float> s0 = low.GetLower(), s1 = low.GetUpper(), s2 = high.GetLower(), s3 = high.GetUpper();
        for (; p + 8 <= len; p += 8) s0 = Fma.MultiplyAdd(Vector256.Load(r + p), Vector256.Load(v + p), s0);
        float sum = Vector256.Sum((s0 + s1) + (s2 + s3));
        for (; p < len; p++) sum = MathF.FusedMultiplyAdd(r[p], v[p], sum);
        return sum;
    }
}
