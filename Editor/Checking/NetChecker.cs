using Engine.Formats;
using Engine.Proto;
using Microsoft.Extensions.DependencyInjection;

namespace Engine.Editor.Checking;

/// <summary>
/// Builds a net definition for its shapes only (no weights are filled, so no parameter memory is allocated) and
/// reports each layer's tops, parameter count and FLOPs.
/// </summary>
/// <remarks>
/// Data layers whose source is missing are replaced by <see cref="MissingSourceDataLayer"/> before the build, rather
/// than built and their failure caught: a missing source is then recognised the same way for every data layer type
/// (registered yet or not, whatever exception it throws), and the real layer never starts reading or prefetching.
/// </remarks>
internal static class NetChecker
{
    /// <summary>Checks <paramref name="definition"/> in <paramref name="state"/>.</summary>
    /// <param name="definition">An upgraded net definition.</param>
    /// <param name="state">Phase, level and stages to filter and build with.</param>
    /// <param name="definitionDirectory">Directory of the definition file (for hints about relative sources).</param>
    /// <param name="strict">Treat a missing data source as an error.</param>
    /// <exception cref="CheckFailure">A missing data source under <paramref name="strict"/>.</exception>
    /// <exception cref="NetDefinitionException">Contradictory include/exclude rules.</exception>
    /// <exception cref="NetException">A structural error.</exception>
    /// <exception cref="LayerException">A layer rejects its parameters or shapes.</exception>
    public static NetCheckResult Check(NetParameter definition, NetState state, string? definitionDirectory, bool strict)
    {
        NetParameter filtered = NetStateFilter.Filter(definition, state);
        for (int i = 0; i < filtered.Layer.Count; i++)
        {
            // The net names unnamed layers the same way; doing it first lets stand-ins be matched by name.
            if (string.IsNullOrEmpty(filtered.Layer[i].Name))
            {
                filtered.Layer[i].Name = $"{filtered.Layer[i].Type}{i}";
            }
        }
        List<MissingSource> missing = DataSourceProbe.FindMissing(filtered, definitionDirectory);
        if (strict && missing.Count > 0)
        {
            throw new CheckFailure(string.Join(Environment.NewLine + "  ", missing.Select(m => m.Message)) + " (--strict)");
        }
        var warnings = missing.Select(m => m.Message + "; axes only the data can tell are shown as '?'").ToList();
        LayerRegistry defaults = EngineServices.CreateDefaultRegistry();
        if (missing.Count == 0)
        {
            Snapshot only = Build(filtered, state, defaults);
            return only.ToResult(filtered.Name, state, warnings);
        }

        foreach (LayerParameter layer in filtered.Layer)
        {
            if (!defaults.Contains(layer.Type) && !missing.Any(m => m.Layer == layer.Name))
            {
                // Raise the registry's own error (with suggestions) rather than blame the placeholders below.
                defaults.Create(layer).Dispose();
            }
        }
        Snapshot a, b;
        try
        {
            a = Build(filtered, state, WithStandIns(defaults, missing, 0));
            b = Build(filtered, state, WithStandIns(defaults, missing, 1));
        }
        catch (Exception e) when (e is LayerException or ArgumentException)
        {
            // Placeholder shapes can violate a layer's expectations (a fixed Reshape, an Eltwise with a known input);
            // the real data may well fit, so this is not an error in the definition.
            warnings.Add($"shapes cannot be inferred without the data: {e.Message}");
            return new NetCheckResult(filtered.Name, state, [], null, null, null, warnings);
        }
        return Snapshot.Merge(a, b).ToResult(filtered.Name, state, warnings);
    }

    private static LayerRegistry WithStandIns(LayerRegistry defaults, List<MissingSource> missing, int run)
    {
        var byName = missing.ToDictionary(m => m.Layer, StringComparer.Ordinal);
        var registrations = defaults.Registrations.ToList();
        foreach (string type in missing.Select(m => m.Type).Distinct())
        {
            LayerRegistration? real = registrations.FirstOrDefault(r => r.Type == type);
            registrations.Add(new LayerRegistration(type, typeof(MissingSourceDataLayer), (services, p) =>
            {
                if (byName.TryGetValue(p.Name, out MissingSource? m))
                {
                    return new MissingSourceDataLayer(p, m.Shapes, run);
                }
                // A layer of the same type whose source exists: the real one, or the usual unknown-type error.
                return real is not null ? real.Factory(services, p) : defaults.Create(p);
            }, real?.Summary ?? ""));
        }
        return new LayerRegistry(registrations);
    }

    private static Snapshot Build(NetParameter filtered, NetState state, LayerRegistry registry)
    {
        var options = new NetOptions { Phase = state.Phase, Level = state.Level, Stages = state.Stage.ToArray(), ShapesOnly = true };
        using var net = new Net(filtered, registry, options);
        var layers = new List<CheckedLayer>(net.Layers.Count);
        for (int i = 0; i < net.Layers.Count; i++)
        {
            Layer layer = net.Layers[i];
            IReadOnlyList<Blob> bottoms = net.BottomsOf(i), tops = net.TopsOf(i);
            layers.Add(new CheckedLayer(
                layer.Name,
                layer.Type,
                bottoms.Select(x => x.Name).ToArray(),
                tops.Select(t => (t.Name, (int?[]?)t.ShapeArray.Select(d => (int?)d).ToArray())).ToArray(),
                layer.Blobs.Sum(p => (long)p.Count),
                layer.ForwardFlops(bottoms, tops)));
        }
        return new Snapshot(
            layers,
            net.LearnableParams.Sum(p => (long)p.Count),
            layers.Sum(l => l.Flops ?? 0),
            net.Blobs.Sum(x => (long)x.Count));
    }

    private sealed record Snapshot(List<CheckedLayer> Layers, long? Parameters, long? Flops, long? Activations)
    {
        public NetCheckResult ToResult(string name, NetState state, List<string> warnings)
            => new(name, state, Layers, Parameters, Flops, Activations, warnings);

        /// <summary>Keeps what two builds with different placeholders agree on.</summary>
        public static Snapshot Merge(Snapshot a, Snapshot b)
        {
            var layers = new List<CheckedLayer>(a.Layers.Count);
            for (int i = 0; i < a.Layers.Count; i++)
            {
                CheckedLayer x = a.Layers[i], y = b.Layers[i];
                var tops = new (string, int?[]?)[x.Tops.Length];
                for (int t = 0; t < tops.Length; t++)
                {
                    tops[t] = (x.Tops[t].Name, MergeShape(x.Tops[t].Shape, y.Tops[t].Shape));
                }
                layers.Add(x with { Tops = tops, Parameters = Same(x.Parameters, y.Parameters), Flops = Same(x.Flops, y.Flops) });
            }
            return new Snapshot(layers, Same(a.Parameters, b.Parameters), Same(a.Flops, b.Flops), Same(a.Activations, b.Activations));
        }

        private static int?[]? MergeShape(int?[]? a, int?[]? b)
        {
            if (a is null || b is null || a.Length != b.Length)
            {
                return null;
            }
            var merged = new int?[a.Length];
            for (int i = 0; i < a.Length; i++)
            {
                merged[i] = a[i] == b[i] ? a[i] : null;
            }
            return merged;
        }

        private static long? Same(long? a, long? b) => a == b ? a : null;
    }
}
