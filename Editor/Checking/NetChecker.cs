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
    // Scanning the layer assembly and compiling a factory per layer type costs milliseconds: more than checking a small
    // net. The registry is never changed after construction, so one serves every check (and every thread).
    private static readonly LayerRegistry Defaults = EngineServices.CreateDefaultRegistry();

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
        LayerRegistry defaults = Defaults;
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
        NetParameter buildable = filtered;
        var skipped = new List<(LayerParameter Layer, Exception Error)>();
        while (true)
        {
            Snapshot? a = TryBuild(buildable, state, WithStandIns(defaults, missing, 0), out Exception? errorA);
            Snapshot? b = TryBuild(buildable, state, WithStandIns(defaults, missing, 1), out Exception? errorB);
            if (a is not null && b is not null)
            {
                Snapshot merged = Snapshot.Merge(a, b);
                if (skipped.Count == 0)
                {
                    return merged.ToResult(filtered.Name, state, warnings);
                }
                foreach ((LayerParameter layer, Exception error) in skipped)
                {
                    if (layer.Bottom.All(bottom => merged.ShapeOf(bottom) is { } shape && shape.All(d => d is not null)))
                    {
                        // Its inputs did not depend on the placeholders after all: a real error.
                        throw error;
                    }
                    warnings.Add($"layer '{layer.Name}' and the layers that depend on it are not checked: with the data missing, {error.Message}");
                }
                // Totals of a pruned net would understate the real ones.
                return new NetCheckResult(filtered.Name, state, merged.Layers, null, null, null, warnings);
            }
            Exception e = (errorA ?? errorB)!;
            string? culpritName = e is LayerException le ? le.LayerName : Diagnostics.LayerNamedIn(e.Message);
            bool sameEitherWay = errorA is not null && errorB is not null && errorA.Message == errorB.Message;
            if (sameEitherWay || missing.Any(m => m.Layer == culpritName) || skipped.Count >= 16
                || buildable.Layer.FirstOrDefault(l => l.Name == culpritName) is not { } culprit)
            {
                // The same complaint whatever the placeholders (layer errors quote the shapes they reject):
                // the definition itself is wrong.
                throw e;
            }
            // Placeholder shapes can violate a layer's expectations (a fixed Reshape, an Eltwise with a known
            // input, a parameter shared with a layer of known input) that the real data may meet. Check the rest without it, then judge from its inputs' shapes.
            skipped.Add((culprit, e));
            buildable = WithoutDependents(buildable, culprit);
        }
    }

    private static Snapshot? TryBuild(NetParameter net, NetState state, LayerRegistry registry, out Exception? error)
    {
        try
        {
            error = null;
            return Build(net, state, registry);
        }
        catch (Exception e) when (e is LayerException or NetException)
        {
            error = e;
            return null;
        }
    }

    /// <summary>
    /// <paramref name="net"/> without layer <paramref name="failing"/> and every layer that reads, directly or not,
    /// what it produces.
    /// </summary>
    private static NetParameter WithoutDependents(NetParameter net, LayerParameter failing)
    {
        var dropped = new HashSet<LayerParameter>(ReferenceEqualityComparer.Instance) { failing };
        var tainted = new HashSet<string>(failing.Top, StringComparer.Ordinal);
        for (bool grew = true; grew;)
        {
            grew = false;
            foreach (LayerParameter l in net.Layer)
            {
                if (!dropped.Contains(l) && l.Bottom.Any(tainted.Contains))
                {
                    dropped.Add(l);
                    tainted.UnionWith(l.Top);
                    grew = true;
                }
            }
        }
        NetParameter rest = net.Clone();
        rest.Layer.Clear();
        rest.Layer.AddRange(net.Layer.Where(l => !dropped.Contains(l)).Select(l => l.Clone()));
        return rest;
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
        /// <summary>The shape of blob <paramref name="name"/> as its last producer left it (null when no layer produces it).</summary>
        public int?[]? ShapeOf(string name)
        {
            for (int i = Layers.Count - 1; i >= 0; i--)
            {
                foreach ((string top, int?[]? shape) in Layers[i].Tops)
                {
                    if (top == name)
                    {
                        return shape;
                    }
                }
            }
            return null;
        }

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
