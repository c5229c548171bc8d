namespace Engine.Embedding;

/// <summary>
/// A layer that can run its forward pass and a following 2×2 stride-2 max pooling as one pass, so that its own output never
/// goes to memory (implemented by Convolution on its direct path). Inference handles use it when nothing else reads that
/// output.
/// </summary>
internal interface IFusesMaxPool2x2
{
    /// <summary>Whether the current shapes allow the fused pass (valid after Reshape).</summary>
    bool CanFuseMaxPool2x2(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top);

    /// <summary>Writes into <paramref name="pooled"/> what the pooling layer would compute from this layer's top.</summary>
    void ForwardFusedMaxPool2x2(IReadOnlyList<Blob> bottom, Blob pooled);
}

/// <summary>A pooling layer that currently computes a plain 2×2 stride-2 max of values only (no mask top, no positions kept).</summary>
internal interface IMaxPool2x2Values
{
    /// <summary>Whether its forward pass is exactly that (valid after Reshape).</summary>
    bool IsMaxPool2x2Values { get; }
}
