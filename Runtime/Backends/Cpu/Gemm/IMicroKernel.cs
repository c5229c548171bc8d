namespace Engine.Backends.Cpu;

/// <summary>
/// A register-blocked kernel that multiplies a packed MR×kc panel of A by a packed kc×NR panel of B and merges the MR×NR
/// result into C. Static abstract members let <see cref="GemmDriver{TKernel}"/> be specialised per kernel by the JIT.
/// </summary>
internal unsafe interface IMicroKernel
{
    /// <summary>Rows of C per call; A panels hold MR values per k step.</summary>
    static abstract int MR { get; }

    /// <summary>Columns of C per call; B panels hold NR values per k step.</summary>
    static abstract int NR { get; }

    /// <summary>
    /// c[i, j] = alpha * sum_p a[p * MR + i] * b[p * NR + j] + beta * c[i, j] for the full MR×NR tile, the sum taken in order
    /// p = 0..kc-1 with fused multiply-adds; C is not read when beta is 0.
    /// </summary>
    static abstract void Run(nint kc, float* a, float* b, float* c, nint ldc, float alpha, float beta);
}
