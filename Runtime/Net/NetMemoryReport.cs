namespace Engine;

/// <summary>Memory a net uses: each blob (data + diff) and the parameters.</summary>
/// <param name="Blobs">One entry per blob that connects layers.</param>
/// <param name="ActivationBytes">Total bytes of those blobs (data and diff).</param>
/// <param name="ParameterBytes">Total bytes of the layers' parameter blobs (data and diff).</param>
/// <param name="LearnableParameterCount">Number of learnable scalars (shared parameters counted once).</param>
public sealed record NetMemoryReport(IReadOnlyList<NetMemoryReport.Entry> Blobs, long ActivationBytes, long ParameterBytes, long LearnableParameterCount)
{
    /// <summary>One blob's memory.</summary>
    /// <param name="Name">Blob name.</param>
    /// <param name="Shape">Its shape.</param>
    /// <param name="Bytes">Bytes of data plus diff.</param>
    public sealed record Entry(string Name, int[] Shape, long Bytes);

    /// <inheritdoc />
    public override string ToString()
        => $"{Blobs.Count} blobs, activations {ActivationBytes / 1024.0:F1} KiB, parameters {ParameterBytes / 1024.0:F1} KiB ({LearnableParameterCount} learnable values)";
}
