using System.Reflection;
using Engine.Proto;
using Microsoft.Extensions.DependencyInjection;

namespace Engine;

/// <summary>Builds registrations from the <see cref="LayerAttribute"/>s of an assembly's layer classes.</summary>
public static class LayerScanner
{
    /// <summary>All registrations declared in <paramref name="assembly"/>.</summary>
    public static IEnumerable<LayerRegistration> Scan(Assembly assembly)
    {
        foreach (Type t in assembly.GetTypes())
        {
            if (t.IsAbstract || !typeof(Layer).IsAssignableFrom(t))
            {
                continue;
            }
            foreach (LayerAttribute attribute in t.GetCustomAttributes<LayerAttribute>())
            {
                ObjectFactory factory = ActivatorUtilities.CreateFactory(t, [typeof(LayerParameter)]);
                yield return new LayerRegistration(attribute.Type, t, (sp, p) => (Layer)factory(sp ?? NoServices.Instance, [p]), attribute.Summary);
            }
        }
    }

    private sealed class NoServices : IServiceProvider
    {
        public static readonly NoServices Instance = new();

        public object? GetService(Type serviceType) => null;
    }
}
