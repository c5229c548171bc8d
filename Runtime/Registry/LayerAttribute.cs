namespace Engine;

/// <summary>Marks a layer class with the type name it is registered under (as written in prototxt <c>type:</c>).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LayerAttribute : Attribute
{
    /// <summary>Registers the class under <paramref name="type"/>.</summary>
    public LayerAttribute(string type) => Type = type;

    /// <summary>The type name.</summary>
    public string Type { get; }

    /// <summary>One-line summary shown by <c>engine layers</c>.</summary>
    public string Summary { get; init; } = "";
}
