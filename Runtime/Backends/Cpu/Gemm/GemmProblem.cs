namespace Engine.Backends.Cpu;

/// <summary>One SGEMM call's operands, pinned, as the blocked driver and the GEMV paths see them.</summary>
internal unsafe struct GemmProblem
{
    public bool TransA, TransB;
    public int M, N, K;
    public float Alpha, Beta;
    public float* A, B, C;
    public nint Lda, Ldb, Ldc;

    /// <summary>op(B) already in panel layout (<see cref="PrepackedB"/>), or null to pack B from <see cref="B"/> per call.</summary>
    public float* PackedB;

    /// <summary>Floats per k step of <see cref="PackedB"/>: n rounded up to whole panels.</summary>
    public nint PackedStride;
}
