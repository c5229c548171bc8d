namespace Engine.Backends.Cpu;

/// <summary>The managed CPU backend: SIMD math on host memory, work split over a <see cref="WorkerPool"/>.</summary>
public sealed class CpuBackend : Backend
{
    /// <summary>Creates a CPU backend on a worker pool (null: the shared pool sized by ENGINE_THREADS or the core count).</summary>
    public CpuBackend(WorkerPool? pool)
    {
        Math = new CpuMath(pool);
    }

    /// <inheritdoc />
    public override string Name => "cpu";

    /// <inheritdoc />
    public override bool IsDevice => false;

    /// <inheritdoc />
    public override IMath Math { get; }
}
