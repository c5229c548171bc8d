namespace Engine;

/// <summary>Version information for the Engine runtime.</summary>
public static class EngineInfo
{
    /// <summary>The runtime's version string.</summary>
    public const string Version = "0.1.0";
}
