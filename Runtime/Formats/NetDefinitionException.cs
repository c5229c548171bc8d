namespace Engine.Formats;

/// <summary>
/// A net or solver definition is inconsistent: it cannot be upgraded from a legacy layout, or its layer rules
/// contradict each other. The message names the culprit (file, layer, blob or field).
/// </summary>
public sealed class NetDefinitionException : FormatException
{
    /// <summary>Creates the exception with a description that names the culprit (layer, blob or field).</summary>
    public NetDefinitionException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception wrapping a lower-level failure.</summary>
    public NetDefinitionException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
