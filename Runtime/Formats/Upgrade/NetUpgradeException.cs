namespace Engine.Formats;

/// <summary>A legacy net or solver definition cannot be upgraded to the current schema.</summary>
public sealed class NetUpgradeException : FormatException
{
    /// <summary>Creates the exception with a description that names the culprit (layer, blob or field).</summary>
    public NetUpgradeException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception wrapping a lower-level failure.</summary>
    public NetUpgradeException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
