using Engine;
using Engine.Proto;
using Engine.Solvers;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers solvers: the registry, the factory, the built-in solver types, and user solver types.</summary>
public static class SolverServiceCollectionExtensions
{
    /// <summary>Registers the solver registry, the solver factory and the built-in solvers (called by <c>AddEngineCore</c>).</summary>
    public static IServiceCollection AddEngineSolvers(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(SolverRegistry)))
        {
            return services;
        }
        foreach (SolverRegistration r in BuiltInSolvers.Registrations)
        {
            services.AddSingleton(r);
        }
        services.TryAddSingleton(sp => new SolverRegistry(sp.GetServices<SolverRegistration>(), sp));
        services.TryAddSingleton(sp => new SolverFactory(
            sp.GetRequiredService<SolverRegistry>(), sp.GetRequiredService<LayerRegistry>(), sp.GetRequiredService<Backend>(), sp.GetService<ILoggerFactory>()));
        return services;
    }

    /// <summary>
    /// Registers a solver class under a type string (SolverParameter.type). Its constructor takes the
    /// <see cref="SolverParameter"/>, the <see cref="SolverContext"/> and any other services it asks for.
    /// </summary>
    public static IServiceCollection AddSolver<TSolver>(this IServiceCollection services, string type)
        where TSolver : Solver
    {
        ObjectFactory factory = ActivatorUtilities.CreateFactory(typeof(TSolver), [typeof(SolverParameter), typeof(SolverContext)]);
        services.AddSingleton(new SolverRegistration(type, typeof(TSolver), (sp, p, c) => (Solver)factory(sp ?? EmptyProvider.Instance, [p, c])));
        return services;
    }

    private sealed class EmptyProvider : IServiceProvider
    {
        public static readonly EmptyProvider Instance = new();

        public object? GetService(Type serviceType) => null;
    }
}
