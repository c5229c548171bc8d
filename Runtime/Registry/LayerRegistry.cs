using Engine.Proto;

namespace Engine;

/// <summary>
/// Finds layer classes by type name. Filled through dependency injection (<c>services.AddEngine()</c> registers the
/// built-in layers, <c>services.AddLayer&lt;T&gt;("Type")</c> adds a user's own); later registrations of a name win.
/// </summary>
public sealed class LayerRegistry
{
    private readonly Dictionary<string, LayerRegistration> _byType = new(StringComparer.Ordinal);
    private readonly IServiceProvider? _services;

    /// <summary>Creates a registry from registrations.</summary>
    public LayerRegistry(IEnumerable<LayerRegistration> registrations, IServiceProvider? services = null)
    {
        foreach (LayerRegistration r in registrations)
        {
            _byType[r.Type] = r;
        }
        _services = services;
    }

    /// <summary>All registered type names, sorted.</summary>
    public IReadOnlyList<string> Types => _byType.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>All registrations, sorted by type name.</summary>
    public IReadOnlyList<LayerRegistration> Registrations => _byType.Values.OrderBy(r => r.Type, StringComparer.Ordinal).ToArray();

    /// <summary>True when <paramref name="type"/> is registered.</summary>
    public bool Contains(string type) => _byType.ContainsKey(type);

    /// <summary>Creates the layer a definition asks for.</summary>
    /// <exception cref="LayerException">The type is unknown; the message names the closest known types.</exception>
    public Layer Create(LayerParameter param)
    {
        if (!_byType.TryGetValue(param.Type, out LayerRegistration? registration))
        {
            string[] closest = Suggestions.Closest(param.Type, _byType.Keys, 3);
            string hint = closest.Length > 0 ? $" Did you mean {string.Join(", ", closest.Select(c => $"'{c}'"))}?" : "";
            throw new LayerException(param.Name, param.Type, $"unknown layer type '{param.Type}'.{hint}");
        }
        return registration.Factory(_services, param);
    }
}
