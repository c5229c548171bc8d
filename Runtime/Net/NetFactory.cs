using Engine.Proto;

namespace Engine;

/// <summary>Creates nets with the registered layers and backend (resolve it from the service provider).</summary>
public sealed class NetFactory
{
    /// <summary>Creates the factory.</summary>
    public NetFactory(LayerRegistry registry, Backend backend)
    {
        Registry = registry;
        Backend = backend;
    }

    /// <summary>The layer registry nets are built with.</summary>
    public LayerRegistry Registry { get; }

    /// <summary>The default backend.</summary>
    public Backend Backend { get; }

    /// <summary>Builds a net; options without a backend get the registered one.</summary>
    public Net Create(NetParameter definition, NetOptions? options = null)
    {
        options ??= new NetOptions();
        if (options.Backend is null)
        {
            options = new NetOptions { Phase = options.Phase, Level = options.Level, Stages = options.Stages, Seed = options.Seed, Backend = Backend, ShapesOnly = options.ShapesOnly };
        }
        return new Net(definition, Registry, options);
    }

    /// <summary>Builds a net for a phase.</summary>
    public Net Create(NetParameter definition, Phase phase, ulong seed = 1)
        => Create(definition, new NetOptions { Phase = phase, Seed = seed });
}
