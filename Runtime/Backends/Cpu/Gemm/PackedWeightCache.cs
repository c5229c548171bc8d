using System.Runtime.CompilerServices;
using Engine.Memory;

namespace Engine.Backends.Cpu;

/// <summary>
/// Packed copies of weight matrices, one per weight memory: nets that share their weights (inference handles of one
/// <c>InferenceModel</c>, nets joined by <c>ShareTrainedLayersWith</c>) also share the packed copy instead of each holding a
/// copy as large as the weights.
/// </summary>
/// <remarks>
/// A packing is never changed once published: weights written later (a higher memory version) get a new packing, so a
/// thread still multiplying with the previous one reads a complete matrix. Two threads that pack the same weights at the
/// same moment both get a correct packing; the later one is kept. The table holds its entries weakly, so weights that are
/// no longer referenced take their packings with them.
/// </remarks>
internal static class PackedWeightCache
{
    private sealed record Entry(long Version, bool TransB, int K, int N, PrepackedB Packed);

    private static readonly ConditionalWeakTable<SyncedMemory, Entry> Packings = new();

    /// <summary>
    /// The packing of op(B) (k×n; B stored n×k when <paramref name="transB"/>) read from <paramref name="memory"/> at
    /// <paramref name="version"/>, made from <paramref name="b"/> when no current one exists for the running SGEMM path.
    /// </summary>
    public static PrepackedB GetOrPack(SyncedMemory memory, long version, bool transB, int k, int n, ReadOnlySpan<float> b, int ldb,
        WorkerPool? pool)
    {
        if (Packings.TryGetValue(memory, out Entry? entry) && entry.Version == version && entry.TransB == transB
            && entry.K == k && entry.N == n && entry.Packed.MatchesCurrentPath)
        {
            return entry.Packed;
        }
        var packed = new PrepackedB();
        packed.Pack(transB, k, n, b, ldb, pool);
        Packings.AddOrUpdate(memory, new Entry(version, transB, k, n, packed));
        return packed;
    }
}
