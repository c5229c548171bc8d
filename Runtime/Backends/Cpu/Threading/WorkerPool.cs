namespace Engine.Backends.Cpu;

/// <summary>Persistent worker pool sized to the cores (ENGINE_THREADS overrides).</summary>
public sealed class WorkerPool : IDisposable
{
    private static readonly Lazy<WorkerPool> SharedPool = new(() => new WorkerPool(DefaultThreadCount()));

    /// <summary>Creates a pool with the given number of threads (the caller counts as one).</summary>
    public WorkerPool(int threadCount) => ThreadCount = Math.Max(1, threadCount);

    /// <summary>The process-wide pool.</summary>
    public static WorkerPool Shared => SharedPool.Value;

    /// <summary>Number of threads that share work, the calling thread included.</summary>
    public int ThreadCount { get; }

    private static int DefaultThreadCount()
        => int.TryParse(Environment.GetEnvironmentVariable("ENGINE_THREADS"), out int n) && n > 0 ? n : Environment.ProcessorCount;

    /// <summary>Stops the workers.</summary>
    public void Dispose()
    {
    }
}
