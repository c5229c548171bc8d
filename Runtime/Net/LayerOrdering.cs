using Engine.Proto;

namespace Engine;

/// <summary>
/// Orders a net's layers so every blob is produced before it is read, whatever order the definition lists them in.
/// For a blob X: its producer comes first, then the layers that modify X in place (top X with bottom X) in definition
/// order, then every other reader of X, which therefore sees X after all in-place layers. Among layers that are free
/// to go, definition order wins, so a definition that is already ordered keeps its order.
/// </summary>
public static class LayerOrdering
{
    /// <summary>Returns the layers in a valid execution order.</summary>
    /// <exception cref="NetException">A bottom that nothing produces, a blob produced twice, or a cycle (naming its layers).</exception>
    public static IReadOnlyList<LayerParameter> Sort(IReadOnlyList<LayerParameter> layers)
    {
        int n = layers.Count;
        var producer = new Dictionary<string, int>(StringComparer.Ordinal);
        var modifiers = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (int i = 0; i < n; i++)
        {
            LayerParameter layer = layers[i];
            foreach (string top in layer.Top.Distinct())
            {
                if (layer.Bottom.Contains(top))
                {
                    if (!modifiers.TryGetValue(top, out List<int>? list))
                    {
                        modifiers[top] = list = [];
                    }
                    list.Add(i);
                }
                else if (producer.TryGetValue(top, out int other))
                {
                    throw new NetException($"Blob '{top}' is produced by two layers, '{layers[other].Name}' and '{layer.Name}'; give one of the tops another name.");
                }
                else
                {
                    producer[top] = i;
                }
            }
        }

        var successors = new List<int>[n];
        var indegree = new int[n];
        for (int i = 0; i < n; i++)
        {
            successors[i] = [];
        }
        void Edge(int from, int to)
        {
            if (from != to && !successors[from].Contains(to))
            {
                successors[from].Add(to);
                indegree[to]++;
            }
        }

        foreach ((string blob, List<int> mods) in modifiers)
        {
            if (!producer.TryGetValue(blob, out int p))
            {
                throw MissingBottom(layers[mods[0]], blob, producer);
            }
            Edge(p, mods[0]);
            for (int k = 1; k < mods.Count; k++)
            {
                Edge(mods[k - 1], mods[k]);
            }
        }
        for (int i = 0; i < n; i++)
        {
            LayerParameter layer = layers[i];
            foreach (string bottom in layer.Bottom)
            {
                bool modifiesIt = layer.Top.Contains(bottom);
                if (modifiesIt)
                {
                    continue;
                }
                if (!producer.TryGetValue(bottom, out int p))
                {
                    throw MissingBottom(layer, bottom, producer);
                }
                int last = modifiers.TryGetValue(bottom, out List<int>? mods) ? mods[^1] : p;
                Edge(last, i);
            }
        }

        // Kahn's algorithm, always taking the earliest-defined ready layer (a min-heap on definition index).
        var ready = new PriorityQueue<int, int>();
        for (int i = 0; i < n; i++)
        {
            if (indegree[i] == 0)
            {
                ready.Enqueue(i, i);
            }
        }
        var order = new List<LayerParameter>(n);
        var placed = new bool[n];
        while (ready.TryDequeue(out int i, out _))
        {
            order.Add(layers[i]);
            placed[i] = true;
            foreach (int s in successors[i])
            {
                if (--indegree[s] == 0)
                {
                    ready.Enqueue(s, s);
                }
            }
        }
        if (order.Count != n)
        {
            throw new NetException($"The net has a cycle: {DescribeCycle(layers, successors, placed)}. A layer cannot depend on its own output.");
        }
        return order;
    }

    private static NetException MissingBottom(LayerParameter layer, string blob, Dictionary<string, int> producer)
    {
        string[] close = Suggestions.Closest(blob, producer.Keys, 3);
        string hint = close.Length > 0 ? $" Known blobs that are close: {string.Join(", ", close.Select(c => $"'{c}'"))}." : "";
        return new NetException($"Layer '{layer.Name}' ({layer.Type}) reads bottom '{blob}', but no layer produces it.{hint}");
    }

    private static string DescribeCycle(IReadOnlyList<LayerParameter> layers, List<int>[] successors, bool[] placed)
    {
        // Depth-first search among the unplaced layers until a node on the current path repeats.
        int n = layers.Count;
        var state = new int[n]; // 0 new, 1 on path, 2 done
        var path = new List<int>();
        List<int>? cycle = null;
        bool Visit(int v)
        {
            state[v] = 1;
            path.Add(v);
            foreach (int s in successors[v])
            {
                if (placed[s])
                {
                    continue;
                }
                if (state[s] == 1)
                {
                    cycle = path.Skip(path.IndexOf(s)).Append(s).ToList();
                    return true;
                }
                if (state[s] == 0 && Visit(s))
                {
                    return true;
                }
            }
            path.RemoveAt(path.Count - 1);
            state[v] = 2;
            return false;
        }
        for (int i = 0; i < n && cycle is null; i++)
        {
            if (!placed[i] && state[i] == 0)
            {
                Visit(i);
            }
        }
        return cycle is null
            ? string.Join(", ", Enumerable.Range(0, n).Where(i => !placed[i]).Select(i => $"'{layers[i].Name}'"))
            : string.Join(" -> ", cycle.Select(i => $"'{layers[i].Name}'"));
    }
}
