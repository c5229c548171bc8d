namespace Engine;

/// <summary>An error in a layer's definition or shapes; the message names the layer and its type.</summary>
public sealed class LayerException : Exception
{
    /// <summary>Creates the error.</summary>
    public LayerException(string layerName, string layerType, string message)
        : base($"Layer '{layerName}' ({layerType}): {message}")
    {
        LayerName = layerName;
        LayerType = layerType;
    }

    /// <summary>Name of the layer at fault.</summary>
    public string LayerName { get; }

    /// <summary>Type of the layer at fault.</summary>
    public string LayerType { get; }
}
