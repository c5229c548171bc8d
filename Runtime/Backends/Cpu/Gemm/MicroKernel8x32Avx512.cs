using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Engine.Backends.Cpu;

/// <summary>
/// AVX-512 kernel: 8 rows × 32 columns, sixteen zmm accumulators. Zen 5 issues two 512-bit FMAs per cycle with a 4-cycle
/// latency, so it needs at least eight independent chains; sixteen leave room, and two B loads plus eight broadcasts per
/// sixteen FMAs load less per FMA than six rows do. Eight rows also divide the batch sizes fully connected layers run at.
/// </summary>
internal readonly unsafe struct MicroKernel8x32Avx512 : IMicroKernel
{
    public static int MR => 8;
    public static int NR => 32;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(nint kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        // Pull the C tile toward L1 while the k loop runs; its rows are a full leading dimension apart and often miss.
        for (int r = 0; r < 8; r++)
        {
            Sse.Prefetch0(c + r * ldc);
            Sse.Prefetch0(c + r * ldc + 31);
        }
        for (nint p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var a0 = Vector512.Create(a[0]);
            c00 = Avx512F.FusedMultiplyAdd(a0, b0, c00);
            c01 = Avx512F.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector512.Create(a[1]);
            c10 = Avx512F.FusedMultiplyAdd(a1, b0, c10);
            c11 = Avx512F.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector512.Create(a[2]);
            c20 = Avx512F.FusedMultiplyAdd(a2, b0, c20);
            c21 = Avx512F.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector512.Create(a[3]);
            c30 = Avx512F.FusedMultiplyAdd(a3, b0, c30);
            c31 = Avx512F.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector512.Create(a[4]);
            c40 = Avx512F.FusedMultiplyAdd(a4, b0, c40);
            c41 = Avx512F.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector512.Create(a[5]);
            c50 = Avx512F.FusedMultiplyAdd(a5, b0, c50);
            c51 = Avx512F.FusedMultiplyAdd(a5, b1, c51);
            var a6 = Vector512.Create(a[6]);
            c60 = Avx512F.FusedMultiplyAdd(a6, b0, c60);
            c61 = Avx512F.FusedMultiplyAdd(a6, b1, c61);
            var a7 = Vector512.Create(a[7]);
            c70 = Avx512F.FusedMultiplyAdd(a7, b0, c70);
            c71 = Avx512F.FusedMultiplyAdd(a7, b1, c71);
            a += 8;
            b += 32;
        }

        if (beta == 0f)
        {
            var va = Vector512.Create(alpha);
            Vector512.Store(c00 * va, c); Vector512.Store(c01 * va, c + 16); c += ldc;
            Vector512.Store(c10 * va, c); Vector512.Store(c11 * va, c + 16); c += ldc;
            Vector512.Store(c20 * va, c); Vector512.Store(c21 * va, c + 16); c += ldc;
            Vector512.Store(c30 * va, c); Vector512.Store(c31 * va, c + 16); c += ldc;
            Vector512.Store(c40 * va, c); Vector512.Store(c41 * va, c + 16); c += ldc;
            Vector512.Store(c50 * va, c); Vector512.Store(c51 * va, c + 16); c += ldc;
            Vector512.Store(c60 * va, c); Vector512.Store(c61 * va, c + 16); c += ldc;
            Vector512.Store(c70 * va, c); Vector512.Store(c71 * va, c + 16);
        }
        else
        {
            Merge(c00, c01, c, alpha, beta); c += ldc;
            Merge(c10, c11, c, alpha, beta); c += ldc;
            Merge(c20, c21, c, alpha, beta); c += ldc;
            Merge(c30, c31, c, alpha, beta); c += ldc;
            Merge(c40, c41, c, alpha, beta); c += ldc;
            Merge(c50, c51, c, alpha, beta); c += ldc;
            Merge(c60, c61, c, alpha, beta); c += ldc;
            Merge(c70, c71, c, alpha, beta);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Merge(Vector512<float> lo, Vector512<float> hi, float* c, float alpha, float beta)
    {
        var va = Vector512.Create(alpha);
        var vb = Vector512.Create(beta);
        Vector512.Store(Avx512F.FusedMultiplyAdd(va, lo, vb * Vector512.Load(c)), c);
        Vector512.Store(Avx512F.FusedMultiplyAdd(va, hi, vb * Vector512.Load(c + 16)), c + 16);
    }
}
