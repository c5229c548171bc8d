using Engine.Proto;

namespace Engine;

/// <summary>
/// Inserts <c>Split</c> layers where one blob feeds several readers, so that each reader gets its own top and the
/// split sums their gradients. Names follow Caffe: layer <c>&lt;blob&gt;_&lt;producer&gt;_&lt;top&gt;_split</c>,
/// tops <c>..._split_&lt;k&gt;</c>; a top with an explicit loss weight moves it to split top 0.
/// </summary>
public static class SplitInsertion
{
    /// <summary>Returns the layers (already in execution order) with splits inserted.</summary>
    public static List<LayerParameter> Insert(IReadOnlyList<LayerParameter> layers)
    {
        var latest = new Dictionary<string, (int Layer, int Top)>(StringComparer.Ordinal);
        var readers = new Dictionary<(int, int), int>();
        var bottomSource = new Dictionary<(int, int), (int, int)>();
        var lossWeight = new Dictionary<(int, int), float>();
        for (int i = 0; i < layers.Count; i++)
        {
            LayerParameter layer = layers[i];
            for (int j = 0; j < layer.Bottom.Count; j++)
            {
                if (!latest.TryGetValue(layer.Bottom[j], out (int, int) source))
                {
                    throw new NetException($"Layer '{layer.Name}' ({layer.Type}) reads bottom '{layer.Bottom[j]}', but no earlier layer produces it.");
                }
                bottomSource[(i, j)] = source;
                readers[source] = readers.GetValueOrDefault(source) + 1;
            }
            for (int j = 0; j < layer.Top.Count; j++)
            {
                latest[layer.Top[j]] = (i, j);
                if (j < layer.LossWeight.Count && layer.LossWeight[j] != 0f)
                {
                    lossWeight[(i, j)] = layer.LossWeight[j];
                    readers[(i, j)] = readers.GetValueOrDefault((i, j)) + 1;
                }
            }
        }

        var result = new List<LayerParameter>(layers.Count);
        var nextSplitTop = new Dictionary<(int, int), int>();
        for (int i = 0; i < layers.Count; i++)
        {
            LayerParameter layer = layers[i].Clone();
            for (int j = 0; j < layer.Bottom.Count; j++)
            {
                (int, int) source = bottomSource[(i, j)];
                if (readers[source] > 1)
                {
                    int k = nextSplitTop.TryGetValue(source, out int next) ? next : (lossWeight.ContainsKey(source) ? 1 : 0);
                    nextSplitTop[source] = k + 1;
                    LayerParameter producer = layers[source.Item1];
                    layer.Bottom[j] = SplitTopName(producer.Top[source.Item2], producer.Name, source.Item2, k);
                }
            }
            result.Add(layer);
            for (int j = 0; j < layer.Top.Count; j++)
            {
                int count = readers.GetValueOrDefault((i, j));
                if (count <= 1)
                {
                    continue;
                }
                string blob = layer.Top[j];
                var split = new LayerParameter
                {
                    Name = $"{blob}_{layer.Name}_{j}_split",
                    Type = "Split",
                };
                if (layer.HasPhase)
                {
                    split.Phase = layer.Phase;
                }
                split.Bottom.Add(blob);
                for (int k = 0; k < count; k++)
                {
                    split.Top.Add(SplitTopName(blob, layer.Name, j, k));
                }
                if (lossWeight.TryGetValue((i, j), out float w))
                {
                    split.LossWeight.Add(w);
                    for (int k = 1; k < count; k++)
                    {
                        split.LossWeight.Add(0f);
                    }
                    // Zero rather than clear: an empty list would let a loss layer re-add its default weight of 1.
                    layer.LossWeight[j] = 0f;
                }
                result.Add(split);
            }
        }
        return result;
    }

    /// <summary>Name of split top <paramref name="k"/> for top <paramref name="topIndex"/> of <paramref name="layerName"/>.</summary>
    public static string SplitTopName(string blob, string layerName, int topIndex, int k) => $"{blob}_{layerName}_{topIndex}_split_{k}";
}
