namespace Engine.Data;

/// <summary>
/// A data layer whose read position can be saved and restored, so that a solver snapshot records where the data
/// stream stood and a resumed run sees the same batches as an uninterrupted one.
/// </summary>
public interface ISeekableData
{
    /// <summary>Samples handed out so far (the position of the next sample in the layer's endless, epoch-shuffled stream).</summary>
    long Position { get; }

    /// <summary>Makes the next batch start at <paramref name="position"/>; samples prefetched beyond it are discarded.</summary>
    void Seek(long position);

    /// <summary>
    /// Seed of the stream's shuffling and random transforms (drawn from the net's generator at setup). Setting it
    /// discards prefetched samples; a snapshot stores it so a resume reads the same stream whatever the new run's seed.
    /// </summary>
    ulong StreamSeed { get; set; }
}
