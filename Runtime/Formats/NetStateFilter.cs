using Engine.Proto;

namespace Engine.Formats;

/// <summary>
/// Selects the layers of a net definition that apply to a given <see cref="NetState"/> (phase, level, stages),
/// following the layers' <c>include</c>/<c>exclude</c> rules as Caffe's FilterNet does.
/// </summary>
public static class NetStateFilter
{
    /// <summary>
    /// Returns a copy of <paramref name="net"/> holding only the layers that apply to <paramref name="state"/>.
    /// A layer without rules is kept; with <c>include</c> rules it is kept iff any rule is met; with <c>exclude</c>
    /// rules it is dropped iff any rule is met.
    /// </summary>
    /// <exception cref="NetDefinitionException">A layer specifies both include and exclude rules (the message names it).</exception>
    public static NetParameter Filter(NetParameter net, NetState state)
    {
        ArgumentNullException.ThrowIfNull(net);
        ArgumentNullException.ThrowIfNull(state);
        var filtered = net.Clone();
        filtered.Layer.Clear();
        foreach (var layer in net.Layer)
        {
            if (Applies(layer, state))
            {
                filtered.Layer.Add(layer.Clone());
            }
        }

        return filtered;
    }

    /// <summary>Whether <paramref name="layer"/> belongs to a net in <paramref name="state"/>.</summary>
    /// <exception cref="NetDefinitionException">The layer specifies both include and exclude rules.</exception>
    public static bool Applies(LayerParameter layer, NetState state)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(state);
        if (layer.Include.Count > 0 && layer.Exclude.Count > 0)
        {
            throw new NetDefinitionException(
                $"layer '{layer.Name}' specifies both include and exclude rules; use one kind only");
        }

        if (layer.Include.Count > 0)
        {
            return layer.Include.Any(rule => StateMeetsRule(state, rule));
        }

        return !layer.Exclude.Any(rule => StateMeetsRule(state, rule));
    }

    /// <summary>
    /// A rule is met iff every condition it sets holds: same phase; level ≥ min_level; level ≤ max_level; every
    /// <c>stage</c> present in the state; no <c>not_stage</c> present in the state.
    /// </summary>
    public static bool StateMeetsRule(NetState state, NetStateRule rule)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(rule);
        if (rule.HasPhase && rule.Phase != state.Phase)
        {
            return false;
        }

        if (rule.HasMinLevel && state.Level < rule.MinLevel)
        {
            return false;
        }

        if (rule.HasMaxLevel && state.Level > rule.MaxLevel)
        {
            return false;
        }

        foreach (string stage in rule.Stage)
        {
            if (!state.Stage.Contains(stage))
            {
                return false;
            }
        }

        foreach (string stage in rule.NotStage)
        {
            if (state.Stage.Contains(stage))
            {
                return false;
            }
        }

        return true;
    }
}
