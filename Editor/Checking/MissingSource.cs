namespace Engine.Editor.Checking;

/// <summary>
/// A data layer whose source cannot be found. <see cref="Shapes"/> holds what its tops would be, as far as the
/// definition tells (batch size, crop size, colour); <c>null</c> marks an axis only the data could tell.
/// </summary>
/// <param name="Layer">Layer name.</param>
/// <param name="Type">Layer type (Data, ImageData, ...).</param>
/// <param name="Source">The source as written.</param>
/// <param name="Shapes">Per top, in order; the layer accepts at most this many tops.</param>
/// <param name="Hint">Extra advice for the warning (may be empty).</param>
internal sealed record MissingSource(string Layer, string Type, string Source, int?[][] Shapes, string Hint)
{
    /// <summary>The warning (or, with --strict, error) text.</summary>
    public string Message => $"layer '{Layer}' ({Type}): data source '{Source}' not found{Hint}";
}
