using Engine.Formats;
using Engine.Proto;
using LayerType = Engine.Proto.V1LayerParameter.Types.LayerType;

namespace Engine.Editor.Checking;

/// <summary>Describes, for people, what the upgraders changed between a legacy definition and its upgraded form.</summary>
internal static class UpgradeDescription
{
    /// <summary>One line per kind of change from <paramref name="before"/> to <paramref name="after"/> (empty when none).</summary>
    public static List<string> OfNet(NetParameter before, NetParameter after)
    {
        var changes = new List<string>();
        if (before.Layers.Any(l => l.Layer is not null))
        {
            string folded = after.Layer.Count < before.Layers.Count ? " (padding layers folded into the layer after them)" : "";
            changes.Add($"V0 layout: {before.Layers.Count} 'layers {{ layer {{ ... }} }}' blocks became {after.Layer.Count} 'layer' entries{folded}");
        }
        else if (before.Layers.Count > 0)
        {
            var renames = before.Layers
                .GroupBy(l => l.Type)
                .Select(g => $"{ProtoName(g.Key)}→{TypeName(g.Key)}" + (g.Count() > 1 ? $" ×{g.Count()}" : ""));
            changes.Add($"V1 layout: {before.Layers.Count} 'layers' entries became 'layer' entries with string types ({string.Join(", ", renames)})");
            var moved = before.Layers.Where(HasDeprecatedTransformFields).Select(l => $"'{l.Name}'").ToList();
            if (moved.Count > 0)
            {
                changes.Add($"scale/mean_file/crop_size/mirror moved from the data parameters to transform_param in {string.Join(", ", moved)}");
            }
        }
        if (before.Input.Count > 0 || before.InputShape.Count > 0 || before.InputDim.Count > 0)
        {
            changes.Add($"net-level input{(before.InputShape.Count > 0 ? "/input_shape" : before.InputDim.Count > 0 ? "/input_dim" : "")} ({string.Join(", ", before.Input)}) became an Input layer 'input'");
        }
        var batchNorms = before.Layer
            .Where(l => l.Type == "BatchNorm" && l.Param.Count == 3)
            .Where(l => after.Layer.FirstOrDefault(a => a.Name == l.Name) is { } a && !a.Param.Equals(l.Param))
            .Select(l => $"'{l.Name}'")
            .ToList();
        if (batchNorms.Count > 0)
        {
            changes.Add($"BatchNorm {string.Join(", ", batchNorms)}: lr_mult and decay_mult of the statistics set to 0 (they are not learned)");
        }
        return changes;
    }

    /// <summary>One line per kind of change in a solver, its embedded nets included.</summary>
    public static List<string> OfSolver(SolverParameter before, SolverParameter after)
    {
        var changes = new List<string>();
        if (before.HasSolverType)
        {
            changes.Add($"solver_type: {ProtoName(before.SolverType)} became type: \"{after.Type}\"");
        }
        if (before.NetParam is not null)
        {
            changes.AddRange(OfNet(before.NetParam, after.NetParam).Select(c => "net_param: " + c));
        }
        if (before.TrainNetParam is not null)
        {
            changes.AddRange(OfNet(before.TrainNetParam, after.TrainNetParam).Select(c => "train_net_param: " + c));
        }
        for (int i = 0; i < before.TestNetParam.Count; i++)
        {
            changes.AddRange(OfNet(before.TestNetParam[i], after.TestNetParam[i]).Select(c => $"test_net_param #{i}: " + c));
        }
        return changes;
    }

    /// <summary>The enum value as written in prototxt (e.g. <c>INNER_PRODUCT</c>), from the generated code's original names.</summary>
    public static string ProtoName<T>(T value)
        where T : struct, Enum
    {
        string name = value.ToString();
        return typeof(T).GetField(name)?.GetCustomAttributes(typeof(Google.Protobuf.Reflection.OriginalNameAttribute), false)
            .OfType<Google.Protobuf.Reflection.OriginalNameAttribute>().FirstOrDefault()?.Name ?? name;
    }

    private static string TypeName(LayerType type)
    {
        try
        {
            return LegacyLayerTypes.V1ToV2(type);
        }
        catch (NetDefinitionException)
        {
            return "?";
        }
    }

    private static bool HasDeprecatedTransformFields(V1LayerParameter l) => l.Type switch
    {
        LayerType.Data => l.DataParam is { } p && (p.HasScale || p.HasMeanFile || p.HasCropSize || p.HasMirror),
        LayerType.ImageData => l.ImageDataParam is { } p && (p.HasScale || p.HasMeanFile || p.HasCropSize || p.HasMirror),
        LayerType.WindowData => l.WindowDataParam is { } p && (p.HasScale || p.HasMeanFile || p.HasCropSize || p.HasMirror),
        _ => false,
    };
}
