using Engine.Proto;

namespace Engine.Solvers;

/// <summary>
/// Finds solver classes by type string (<c>SolverParameter.type</c>). Filled through dependency injection:
/// <c>services.AddEngine()</c> registers the built-ins, <c>services.AddSolver&lt;T&gt;("Name")</c> adds more; later
/// registrations of a name win.
/// </summary>
public sealed class SolverRegistry
{
    private readonly Dictionary<string, SolverRegistration> _byType = new(StringComparer.Ordinal);
    private readonly IServiceProvider? _services;

    /// <summary>Creates a registry from registrations.</summary>
    public SolverRegistry(IEnumerable<SolverRegistration> registrations, IServiceProvider? services = null)
    {
        foreach (SolverRegistration r in registrations)
        {
            _byType[r.Type] = r;
        }
        _services = services;
    }

    /// <summary>A registry with Engine's built-in solvers (SGD, Nesterov, AdaGrad, RMSProp, AdaDelta, Adam, AdamW).</summary>
    public static SolverRegistry CreateDefault() => new(BuiltInSolvers.Registrations);

    /// <summary>Registered type names, sorted.</summary>
    public IReadOnlyList<string> Types => _byType.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>True when <paramref name="type"/> is registered.</summary>
    public bool Contains(string type) => _byType.ContainsKey(type);

    /// <summary>Creates the solver <paramref name="param"/>.type names.</summary>
    /// <exception cref="SolverException">Unknown type (the message lists the known ones), or an invalid solver field.</exception>
    public Solver Create(SolverParameter param, SolverContext context)
    {
        ArgumentNullException.ThrowIfNull(param);
        if (!_byType.TryGetValue(param.Type, out SolverRegistration? registration))
        {
            string[] close = Suggestions.Closest(param.Type, _byType.Keys, 2);
            string hint = close.Length > 0 ? $" Did you mean \"{string.Join("\" or \"", close)}\"?" : "";
            throw new SolverException($"unknown solver type \"{param.Type}\".{hint} Known types: {string.Join(", ", Types)}.");
        }
        return registration.Factory(_services, param, context);
    }
}
