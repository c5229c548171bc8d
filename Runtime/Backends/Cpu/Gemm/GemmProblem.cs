namespace Engine.Backends.Cpu;

/// <summary>One SGEMM call's operands, pinned, as the blocked driver and the GEMV paths see them.</summary>
internal unsafe struct GemmProblem
{
    public bool TransA, TransB;
    public int M, N, K;
    public float Alpha, Beta;
    public float* A, B, C;
    public nint Lda, Ldb, Ldc;
}
