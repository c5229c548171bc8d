namespace Engine.Backends.Cpu;

/// <summary>
/// The work of one <see cref="WorkerPool.For{TBody}(int, ref TBody)"/> call. Implement it on a struct holding the loop's
/// state (spans cannot be stored, so hold pointers or arrays): the pool is generic over the struct, so the JIT specialises
/// the call and nothing is boxed or allocated.
/// </summary>
public interface IParallelBody
{
    /// <summary>Runs iteration <paramref name="index"/>. Called concurrently from several threads for different indices.</summary>
    /// <param name="index">The iteration, in [0, count).</param>
    void Invoke(int index);
}
