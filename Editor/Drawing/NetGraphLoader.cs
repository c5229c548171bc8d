using Engine.Editor.Checking;
using Engine.Formats;
using Engine.Proto;

namespace Engine.Editor.Drawing;

/// <summary>
/// Reads a net definition and builds its <see cref="NetGraph"/> with shapes, through the same shapes-only build as
/// <c>engine check</c> (no weights allocated; a missing data source leaves its axes unknown instead of failing).
/// </summary>
internal static class NetGraphLoader
{
    /// <summary>The graph of the net in <paramref name="definition"/> for <paramref name="phase"/>.</summary>
    /// <param name="definition">An upgraded net definition.</param>
    /// <param name="phase">The phase whose layers are drawn.</param>
    /// <param name="directory">Directory of the definition (data sources are resolved against it).</param>
    public static NetGraph Build(NetParameter definition, Phase phase, string? directory)
    {
        var state = new NetState { Phase = phase, Level = definition.State?.Level ?? 0 };
        if (definition.State is not null)
        {
            state.Stage.AddRange(definition.State.Stage);
        }
        NetCheckResult result = NetChecker.Check(definition, state, directory, strict: false);
        IEnumerable<GraphLayer> layers = result.Layers.Count > 0
            ? result.Layers.Select(l => new GraphLayer(l.Name, l.Type, l.Bottoms, l.Tops))
            // Shapes could not be inferred: still draw the structure.
            : NetStateFilter.Filter(definition, state).Layer.Select(l => new GraphLayer(l.Name, l.Type, l.Bottom.ToArray(), l.Top.Select(t => (t, (int?[]?)null)).ToArray()));
        return NetGraph.FromLayers(string.IsNullOrEmpty(definition.Name) ? "net" : definition.Name, layers);
    }
}
