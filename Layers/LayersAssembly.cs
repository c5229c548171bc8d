namespace Engine.Layers;

/// <summary>Marker type for the built-in layer assembly.</summary>
public static class LayersAssembly
{
}
