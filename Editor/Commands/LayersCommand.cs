using Microsoft.Extensions.DependencyInjection;

namespace Engine.Editor.Commands;

/// <summary><c>engine layers</c>: lists every registered layer type with its summary.</summary>
internal sealed class LayersCommand : ICliCommand
{
    public string Name => "layers";

    public string Summary => "List every registered layer type with a one-line summary.";

    public string Usage => "Usage: engine layers\n\nExample:\n  engine layers";

    public int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        LayerRegistry registry = EngineServices.CreateDefaultRegistry();
        foreach (LayerRegistration r in registry.Registrations)
        {
            stdout.WriteLine($"{r.Type,-26}{r.Summary}");
        }
        return 0;
    }
}
