namespace Engine.Layers;

/// <summary>
/// Keeps a copy of a neuron layer's input when the layer runs in place (top = bottom), because the forward pass
/// overwrites the values its backward pass needs. Out of place it copies nothing and reads the bottom directly.
/// </summary>
internal sealed class SavedInput : IDisposable
{
    private readonly Blob _copy = new("saved input");

    /// <summary>Copies the bottom's values if the layer runs in place; call before writing the top.</summary>
    public void Save(Blob bottom, Blob top)
    {
        if (ReferenceEquals(bottom, top))
        {
            _copy.ReshapeLike(bottom);
            bottom.Data.CopyTo(_copy.MutableData);
        }
    }

    /// <summary>The input values the last forward pass saw.</summary>
    public ReadOnlySpan<float> Input(Blob bottom, Blob top) => ReferenceEquals(bottom, top) ? _copy.Data : bottom.Data;

    public void Dispose() => _copy.Dispose();
}
