using Engine.Proto;

namespace Engine.Formats;

/// <summary>
/// Brings a net definition or weights file written in any historical Caffe layout (V0, V1, legacy inputs,
/// old BatchNorm) to the current schema. Runs after every text and binary read, in Caffe's order.
/// </summary>
public static class NetUpgrader
{
    /// <summary>Whether <paramref name="net"/> uses any deprecated layout that <see cref="Upgrade(NetParameter, IList{string}?)"/> would rewrite.</summary>
    public static bool NeedsUpgrade(NetParameter net)
    {
        ArgumentNullException.ThrowIfNull(net);
        return net.Layers.Count > 0 || net.Input.Count > 0 || net.InputShape.Count > 0 || net.InputDim.Count > 0
            || net.Layer.Any(NeedsBatchNormUpgrade);
    }

    /// <summary>
    /// Upgrades <paramref name="net"/> in place: V0→V1 (padding folding, field routing), data-layer transform
    /// fields, V1→V2, legacy net inputs → an <c>Input</c> layer at position 0, and BatchNorm params.
    /// </summary>
    /// <param name="net">The definition to rewrite.</param>
    /// <param name="warnings">Receives one line per field that could not be carried over (Caffe continues in that case too).</param>
    /// <returns>Whether anything changed.</returns>
    /// <exception cref="NetDefinitionException">The definition is inconsistent (both <c>layer</c> and <c>layers</c>, unknown V0 type, ...).</exception>
    public static bool Upgrade(NetParameter net, IList<string>? warnings = null)
    {
        ArgumentNullException.ThrowIfNull(net);
        warnings ??= new List<string>();
        if (net.Layer.Count > 0 && net.Layers.Count > 0)
        {
            throw new NetDefinitionException(
                "net definition has both 'layer' (current) and 'layers' (deprecated V1) fields; use only one of them");
        }

        bool changed = false;
        if (V0Upgrader.Needs(net))
        {
            if (!V0Upgrader.Upgrade(net, warnings))
            {
                warnings.Add("V0 upgrade was not fully compatible (see above); continuing anyway");
            }

            changed = true;
        }

        if (V1Upgrader.NeedsDataTransform(net))
        {
            V1Upgrader.UpgradeDataTransform(net);
            changed = true;
        }

        if (net.Layers.Count > 0)
        {
            if (!V1Upgrader.UpgradeToV2(net, warnings))
            {
                warnings.Add("V1 upgrade was not fully compatible (see above); continuing anyway");
            }

            changed = true;
        }

        if (net.Input.Count > 0 || net.InputShape.Count > 0 || net.InputDim.Count > 0)
        {
            UpgradeInputs(net);
            changed = true;
        }

        foreach (var layer in net.Layer)
        {
            if (NeedsBatchNormUpgrade(layer))
            {
                foreach (var spec in layer.Param)
                {
                    spec.LrMult = 0f;
                    spec.DecayMult = 0f;
                }

                changed = true;
            }
        }

        return changed;
    }

    /// <summary>Old BatchNorm definitions listed three ParamSpecs; the statistics blobs must never be learned.</summary>
    private static bool NeedsBatchNormUpgrade(LayerParameter layer) =>
        layer.Type == "BatchNorm" && layer.Param.Count == 3
        && layer.Param.Any(p => !p.HasLrMult || p.LrMult != 0f || !p.HasDecayMult || p.DecayMult != 0f);

    private static void UpgradeInputs(NetParameter net)
    {
        bool hasShape = net.InputShape.Count > 0;
        bool hasDim = net.InputDim.Count > 0;
        if (hasShape || hasDim)
        {
            if (hasShape && net.InputShape.Count != net.Input.Count)
            {
                throw new NetDefinitionException(
                    $"legacy net inputs: {net.Input.Count} input names but {net.InputShape.Count} input_shape entries (need one per input)");
            }

            if (!hasShape && net.InputDim.Count != 4 * net.Input.Count)
            {
                throw new NetDefinitionException(
                    $"legacy net inputs: {net.Input.Count} input names but {net.InputDim.Count} input_dim values (need 4 per input)");
            }

            var layer = new LayerParameter { Name = "input", Type = "Input", InputParam = new InputParameter() };
            for (int i = 0; i < net.Input.Count; i++)
            {
                layer.Top.Add(net.Input[i]);
                if (hasShape)
                {
                    layer.InputParam.Shape.Add(net.InputShape[i].Clone());
                }
                else
                {
                    var shape = new BlobShape();
                    for (int j = 4 * i; j < 4 * i + 4; j++)
                    {
                        shape.Dim.Add(net.InputDim[j]);
                    }

                    layer.InputParam.Shape.Add(shape);
                }
            }

            // Inputs must exist before any layer reads them.
            net.Layer.Insert(0, layer);
        }

        // Names without dimensions (as in old .caffemodel files) carry no information: drop them.
        net.Input.Clear();
        net.InputShape.Clear();
        net.InputDim.Clear();
    }
}
