namespace Engine.Data;

/// <summary>
/// A data layer that can read one shard of a global batch for data-parallel training: with <c>count</c> replicas of
/// batch B, the global batch is N·B consecutive samples of the layer's stream and replica <c>rank</c> reads samples
/// [rank·B, (rank+1)·B) of it, so the union of the replicas' batches is what one process with batch N·B would read.
/// </summary>
public interface IShardedData
{
    /// <summary>Selects the shard; (0, 1) reads the whole stream. Discards prefetched samples.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rank"/> is not in [0, <paramref name="count"/>).</exception>
    void SetShard(int rank, int count);

    /// <summary>The argument check every <see cref="SetShard"/> starts with.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rank"/> is not in [0, <paramref name="count"/>).</exception>
    static void ThrowIfInvalidShard(int rank, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(rank, count);
    }
}
