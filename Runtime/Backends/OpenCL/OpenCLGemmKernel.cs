namespace Engine.Backends.OpenCL;

/// <summary>The SGEMM strategies of <c>gemm.cl</c>.</summary>
public enum OpenCLGemmKernel
{
    /// <summary>64×64 tiles staged in local memory, 16×16 work-groups, 4×4 register blocks, float4 loads: for GPUs.</summary>
    Tiled,

    /// <summary>
    /// No local memory or barriers; 4×16 (or 2×4 dot-product) register blocks of 8-wide vectors per work-item: for CPU
    /// runtimes such as PoCL, where barriers become loops that spill every work-item's registers.
    /// Both-transposed products fall back to <see cref="Tiled"/>.
    /// </summary>
    RegisterBlocked,
}
