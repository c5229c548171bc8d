using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Engine.Backends.Cpu;

/// <summary>
/// Portable kernel for CPUs without AVX2/AVX-512 (Arm NEON, older x86): 4 rows × 8 columns of Vector128. Uses fused
/// multiply-add where the hardware has it, a multiply and an add elsewhere; without any SIMD the runtime runs it in software.
/// </summary>
internal readonly unsafe struct MicroKernel4x8Portable : IMicroKernel
{
    public static int MR => 4;
    public static int NR => 8;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(nint kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
    {
        Vector128<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector128<float> c20 = default, c21 = default, c30 = default, c31 = default;
        for (nint p = 0; p < kc; p++)
        {
            var b0 = Vector128.Load(b);
            var b1 = Vector128.Load(b + 4);
            var a0 = Vector128.Create(a[0]);
            c00 = Vector128.MultiplyAddEstimate(a0, b0, c00);
            c01 = Vector128.MultiplyAddEstimate(a0, b1, c01);
            var a1 = Vector128.Create(a[1]);
            c10 = Vector128.MultiplyAddEstimate(a1, b0, c10);
            c11 = Vector128.MultiplyAddEstimate(a1, b1, c11);
            var a2 = Vector128.Create(a[2]);
            c20 = Vector128.MultiplyAddEstimate(a2, b0, c20);
            c21 = Vector128.MultiplyAddEstimate(a2, b1, c21);
            var a3 = Vector128.Create(a[3]);
            c30 = Vector128.MultiplyAddEstimate(a3, b0, c30);
            c31 = Vector128.MultiplyAddEstimate(a3, b1, c31);
            a += 4;
            b += 8;
        }

        Merge(c00, c01, c, alpha, beta); c += ldc;
        Merge(c10, c11, c, alpha, beta); c += ldc;
        Merge(c20, c21, c, alpha, beta); c += ldc;
        Merge(c30, c31, c, alpha, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Merge(Vector128<float> lo, Vector128<float> hi, float* c, float alpha, float beta)
    {
        var va = Vector128.Create(alpha);
        if (beta == 0f)
        {
            Vector128.Store(lo * va, c);
            Vector128.Store(hi * va, c + 4);
            return;
        }
        var vb = Vector128.Create(beta);
        Vector128.Store(Vector128.MultiplyAddEstimate(va, lo, vb * Vector128.Load(c)), c);
        Vector128.Store(Vector128.MultiplyAddEstimate(va, hi, vb * Vector128.Load(c + 4)), c + 4);
    }
}
