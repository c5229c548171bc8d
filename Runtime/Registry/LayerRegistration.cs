using Engine.Proto;

namespace Engine;

/// <summary>One entry of the layer registry: a type name and how to create the layer.</summary>
/// <param name="Type">Type name as written in definitions.</param>
/// <param name="LayerClass">The CLR class that implements it.</param>
/// <param name="Factory">Creates an instance; receives the service provider (may be null outside DI) and the definition.</param>
/// <param name="Summary">One-line description.</param>
public sealed record LayerRegistration(string Type, Type LayerClass, Func<IServiceProvider?, LayerParameter, Layer> Factory, string Summary);
