using Engine.Proto;

namespace Engine;

/// <summary>Applies include/exclude rules (NetStateRule) to decide which layers a net state keeps.</summary>
internal static class NetStateRules
{
    public static bool MeetsRule(NetState state, NetStateRule rule)
    {
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

    public static bool Includes(NetState state, LayerParameter layer)
    {
        if (layer.Include.Count > 0 && layer.Exclude.Count > 0)
        {
            throw new NetException($"Layer '{layer.Name}' has both include and exclude rules; give one kind only.");
        }
        if (layer.Include.Count > 0)
        {
            return layer.Include.Any(r => MeetsRule(state, r));
        }
        return !layer.Exclude.Any(r => MeetsRule(state, r));
    }
}
