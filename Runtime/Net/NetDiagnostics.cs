using System.Globalization;
using System.Numerics.Tensors;

namespace Engine;

/// <summary>
/// Finds where non-finite numbers enter a net, and summarises per-layer magnitudes (Caffe's <c>debug_info</c>).
/// Meant for diagnosis: it reads every blob, so it is not for the steady-state hot path.
/// </summary>
public static class NetDiagnostics
{
    /// <summary>
    /// After a forward (and backward) pass: the first layer whose output is NaN/Inf (in forward order), else the first
    /// whose gradient is (in backward order: bottom diffs, then parameter diffs). Null when everything is finite.
    /// </summary>
    public static string? FirstNonFinite(Net net, bool checkGradients = true)
    {
        for (int i = 0; i < net.Layers.Count; i++)
        {
            IReadOnlyList<Blob> tops = net.TopsOf(i);
            for (int t = 0; t < tops.Count; t++)
            {
                if (IndexOfNonFinite(tops[t].Data) is int at)
                {
                    return $"layer '{net.Layers[i].Name}' ({net.Layers[i].Type}) produced {Describe(tops[t].Data[at])} in top '{tops[t].Name}' data at element {at}";
                }
            }
        }
        if (!checkGradients)
        {
            return null;
        }
        for (int i = net.Layers.Count - 1; i >= 0; i--)
        {
            if (!net.LayerNeedsBackward(i))
            {
                continue;
            }
            Layer layer = net.Layers[i];
            IReadOnlyList<Blob> bottoms = net.BottomsOf(i);
            for (int b = 0; b < bottoms.Count; b++)
            {
                if (net.BottomNeedsBackward(i, b) && IndexOfNonFinite(bottoms[b].Diff) is int at)
                {
                    return $"layer '{layer.Name}' ({layer.Type}) produced {Describe(bottoms[b].Diff[at])} in the gradient of bottom '{bottoms[b].Name}' at element {at}";
                }
            }
            for (int k = 0; k < layer.Blobs.Count; k++)
            {
                if (IndexOfNonFinite(layer.Blobs[k].Diff) is int at)
                {
                    return $"layer '{layer.Name}' ({layer.Type}) produced {Describe(layer.Blobs[k].Diff[at])} in the gradient of parameter {k} at element {at}";
                }
            }
        }
        return null;
    }

    /// <summary>Caffe-style debug lines: mean |data| of each layer's tops and parameters, mean |diff| of bottoms and parameters.</summary>
    public static IEnumerable<string> DebugInfo(Net net)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        for (int i = 0; i < net.Layers.Count; i++)
        {
            Layer layer = net.Layers[i];
            foreach (Blob top in net.TopsOf(i))
            {
                yield return string.Format(c, "    [Forward] Layer {0}, top blob {1} data: {2:G6}", layer.Name, top.Name, MeanAbs(top.Data));
            }
            for (int k = 0; k < layer.Blobs.Count; k++)
            {
                yield return string.Format(c, "    [Forward] Layer {0}, param blob {1} data: {2:G6}", layer.Name, k, MeanAbs(layer.Blobs[k].Data));
            }
        }
        for (int i = net.Layers.Count - 1; i >= 0; i--)
        {
            if (!net.LayerNeedsBackward(i))
            {
                continue;
            }
            Layer layer = net.Layers[i];
            IReadOnlyList<Blob> bottoms = net.BottomsOf(i);
            for (int b = 0; b < bottoms.Count; b++)
            {
                if (net.BottomNeedsBackward(i, b))
                {
                    yield return string.Format(c, "    [Backward] Layer {0}, bottom blob {1} diff: {2:G6}", layer.Name, bottoms[b].Name, MeanAbs(bottoms[b].Diff));
                }
            }
            for (int k = 0; k < layer.Blobs.Count; k++)
            {
                yield return string.Format(c, "    [Backward] Layer {0}, param blob {1} diff: {2:G6}", layer.Name, k, MeanAbs(layer.Blobs[k].Diff));
            }
        }
    }

    private static double MeanAbs(ReadOnlySpan<float> values) => values.Length == 0 ? 0 : TensorPrimitives.SumOfMagnitudes(values) / values.Length;

    private static int? IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                return i;
            }
        }
        return null;
    }

    private static string Describe(float v) => float.IsNaN(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf";
}
