using Engine;
using Engine.Layers;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Engine with its built-in layers.</summary>
public static class EngineServices
{
    /// <summary>
    /// Registers the runtime (CPU backend, layer registry, net factory) and every built-in layer.
    /// Add your own layers afterwards with <c>services.AddLayer&lt;MyLayer&gt;("MyType")</c>.
    /// </summary>
    public static IServiceCollection AddEngine(this IServiceCollection services)
    {
        services.AddEngineCore();
        services.AddLayersFrom(typeof(EngineServices).Assembly);
        return services;
    }

    /// <summary>A ready service provider with the built-in layers (for tools and tests that do not compose their own).</summary>
    public static IServiceProvider CreateDefaultProvider() => new ServiceCollection().AddEngine().BuildServiceProvider();

    /// <summary>A layer registry with the built-in layers.</summary>
    public static LayerRegistry CreateDefaultRegistry() => new(LayerScanner.Scan(typeof(EngineServices).Assembly));
}
