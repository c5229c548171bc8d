using System.Reflection;
using Engine;
using Engine.Proto;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Engine's services: backends, the layer registry, the net factory.</summary>
public static class EngineServiceCollectionExtensions
{
    /// <summary>
    /// Registers the runtime core (the backend named by <c>ENGINE_DEVICE</c>, CPU by default; layer registry, net factory, built-in solvers) without any layers.
    /// Most applications call <c>AddEngine()</c> from Engine.Layers, which also registers the built-in layers.
    /// </summary>
    public static IServiceCollection AddEngineCore(this IServiceCollection services)
    {
        // ENGINE_DEVICE (cpu, opencl, opencl:N) picks the backend; unset means the CPU.
        services.TryAddSingleton<Backend>(_ => Engine.Backends.OpenCL.BackendSelection.FromEnvironment());
        services.TryAddSingleton(sp => new LayerRegistry(sp.GetServices<LayerRegistration>(), sp));
        services.TryAddSingleton<NetFactory>();
        services.AddEngineSolvers();
        return services;
    }

    /// <summary>Registers a layer class under a type name; it is created with its <see cref="LayerParameter"/> and any other services its constructor asks for.</summary>
    public static IServiceCollection AddLayer<TLayer>(this IServiceCollection services, string type, string summary = "")
        where TLayer : Layer
    {
        services.AddSingleton(LayerScanner.Register(typeof(TLayer), type, summary));
        return services;
    }

    /// <summary>Registers every non-abstract <see cref="Layer"/> in <paramref name="assembly"/> that carries <see cref="LayerAttribute"/>.</summary>
    public static IServiceCollection AddLayersFrom(this IServiceCollection services, Assembly assembly)
    {
        foreach (LayerRegistration registration in LayerScanner.Scan(assembly))
        {
            services.AddSingleton(registration);
        }
        return services;
    }
}
