using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Engine.Backends.Cpu;

/// <summary>
/// AVX2 + FMA kernel: 6 rows × 16 columns, twelve ymm accumulators, which with two B vectors and a broadcast fills the sixteen
/// ymm registers without spilling.
/// </summary>
internal readonly unsafe struct MicroKernel6x16Avx2 : IMicroKernel
{
    public static int MR => 6;
    public static int NR => 16;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(nint kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        // Pull the C tile toward L1 while the k loop runs; its rows are a full leading dimension apart and often miss.
        for (int r = 0; r < 6; r++)
        {
            Sse.Prefetch0(c + r * ldc);
            Sse.Prefetch0(c + r * ldc + 15);
        }
        for (nint p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var a0 = Vector256.Create(a[0]);
            c00 = Fma.MultiplyAdd(a0, b0, c00);
            c01 = Fma.MultiplyAdd(a0, b1, c01);
            var a1 = Vector256.Create(a[1]);
            c10 = Fma.MultiplyAdd(a1, b0, c10);
            c11 = Fma.MultiplyAdd(a1, b1, c11);
            var a2 = Vector256.Create(a[2]);
            c20 = Fma.MultiplyAdd(a2, b0, c20);
            c21 = Fma.MultiplyAdd(a2, b1, c21);
            var a3 = Vector256.Create(a[3]);
            c30 = Fma.MultiplyAdd(a3, b0, c30);
            c31 = Fma.MultiplyAdd(a3, b1, c31);
            var a4 = Vector256.Create(a[4]);
            c40 = Fma.MultiplyAdd(a4, b0, c40);
            c41 = Fma.MultiplyAdd(a4, b1, c41);
            var a5 = Vector256.Create(a[5]);
            c50 = Fma.MultiplyAdd(a5, b0, c50);
            c51 = Fma.MultiplyAdd(a5, b1, c51);
            a += 6;
            b += 16;
        }

        if (beta == 0f)
        {
            var va = Vector256.Create(alpha);
            Vector256.Store(c00 * va, c); Vector256.Store(c01 * va, c + 8); c += ldc;
            Vector256.Store(c10 * va, c); Vector256.Store(c11 * va, c + 8); c += ldc;
            Vector256.Store(c20 * va, c); Vector256.Store(c21 * va, c + 8); c += ldc;
            Vector256.Store(c30 * va, c); Vector256.Store(c31 * va, c + 8); c += ldc;
            Vector256.Store(c40 * va, c); Vector256.Store(c41 * va, c + 8); c += ldc;
            Vector256.Store(c50 * va, c); Vector256.Store(c51 * va, c + 8);
        }
        else
        {
            Merge(c00, c01, c, alpha, beta); c += ldc;
            Merge(c10, c11, c, alpha, beta); c += ldc;
            Merge(c20, c21, c, alpha, beta); c += ldc;
            Merge(c30, c31, c, alpha, beta); c += ldc;
            Merge(c40, c41, c, alpha, beta); c += ldc;
            Merge(c50, c51, c, alpha, beta);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Merge(Vector256<float> lo, Vector256<float> hi, float* c, float alpha, float beta)
    {
        var va = Vector256.Create(alpha);
        var vb = Vector256.Create(beta);
        Vector256.Store(Fma.MultiplyAdd(va, lo, vb * Vector256.Load(c)), c);
        Vector256.Store(Fma.MultiplyAdd(va, hi, vb * Vector256.Load(c + 8)), c + 8);
    }
}
