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
                yield return Register(t, attribute.Type, attribute.Summary);
            }
        }
    }

    /// <summary>
    /// A registration that creates <paramref name="layerClass"/> from its <see cref="LayerParameter"/> plus any services
    /// its constructor asks for (none outside dependency injection).
    /// </summary>
    internal static LayerRegistration Register(Type layerClass, string type, string summary)
    {
        ObjectFactory factory = ActivatorUtilities.CreateFactory(layerClass, [typeof(LayerParameter)]);
        return new LayerRegistration(type, layerClass, (sp, p) => (Layer)factory(sp ?? NoServices.Instance, [p]), summary);
    }

    private sealed class NoServices : IServiceProvider
    {
        public static readonly NoServices Instance = new();

        public object? GetService(Type serviceType) => null;
    }
}
