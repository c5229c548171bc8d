namespace Engine.Editor.Drawing;

/// <summary>
/// Sugiyama-style layered drawing of a directed acyclic graph: longest-path ranks, dummy nodes on edges that span
/// several ranks, barycenter sweeps to reduce crossings, then coordinates that pull each node toward its neighbours
/// while keeping the order and a minimum gap (an isotonic regression per rank, solved by pool-adjacent-violators).
/// Runs in roughly O(sweeps × edges²/ranks), a few milliseconds for a 200-layer net.
/// </summary>
internal sealed class LayeredLayout
{
    /// <summary>Space between consecutive ranks.</summary>
    public double RankGap { get; init; } = 36;

    /// <summary>Minimum space between neighbours in a rank.</summary>
    public double NodeGap { get; init; } = 24;

    /// <summary>Margin around the drawing.</summary>
    public double Margin { get; init; } = 16;

    /// <summary>Down-and-up barycenter sweeps (0 keeps the first-seen order).</summary>
    public int Sweeps { get; init; } = 12;

    /// <summary>Ranks run left to right instead of top to bottom.</summary>
    public bool LeftToRight { get; init; }

    // Size of the gap a dummy node (an edge passing through a rank) claims in its rank.
    private const double DummySize = 10;

    /// <summary>Lays out <paramref name="sizes"/>.Count nodes joined by <paramref name="edges"/>.</summary>
    /// <param name="sizes">Width and height of each node's box.</param>
    /// <param name="edges">Directed edges (source, target) between node indices; the graph must be acyclic.</param>
    /// <exception cref="ArgumentException">An edge names a missing node, or the edges form a cycle.</exception>
    public GraphLayout Run(IReadOnlyList<(double Width, double Height)> sizes, IReadOnlyList<(int From, int To)> edges)
    {
        int n = sizes.Count;
        int[] rank = Rank(n, edges);

        // Virtual graph: the real nodes, then one dummy per rank an edge passes through.
        var virtualRank = new List<int>(rank);
        var along = new List<double>(n);   // size along the order axis
        var across = new List<double>(n);  // size along the rank axis
        for (int v = 0; v < n; v++)
        {
            along.Add(LeftToRight ? sizes[v].Height : sizes[v].Width);
            across.Add(LeftToRight ? sizes[v].Width : sizes[v].Height);
        }
        var chains = new List<int>[edges.Count];
        var segments = new List<(int Upper, int Lower)>();
        for (int e = 0; e < edges.Count; e++)
        {
            (int from, int to) = edges[e];
            var chain = new List<int> { from };
            for (int r = rank[from] + 1; r < rank[to]; r++)
            {
                chain.Add(virtualRank.Count);
                virtualRank.Add(r);
                along.Add(DummySize);
                across.Add(0);
            }
            chain.Add(to);
            for (int i = 0; i + 1 < chain.Count; i++)
            {
                segments.Add((chain[i], chain[i + 1]));
            }
            chains[e] = chain;
        }

        int rankCount = n == 0 ? 0 : virtualRank.Max() + 1;
        var order = new List<int>[rankCount];
        for (int r = 0; r < rankCount; r++)
        {
            order[r] = [];
        }
        for (int v = 0; v < virtualRank.Count; v++)
        {
            order[virtualRank[v]].Add(v);
        }
        var up = new List<int>[virtualRank.Count];
        var down = new List<int>[virtualRank.Count];
        for (int v = 0; v < virtualRank.Count; v++)
        {
            up[v] = [];
            down[v] = [];
        }
        foreach ((int u, int l) in segments)
        {
            down[u].Add(l);
            up[l].Add(u);
        }

        var position = new int[virtualRank.Count];
        Renumber(order, position);
        int initial = CountCrossings(order, position, down);
        int best = ReduceCrossings(order, position, up, down, initial);

        double[] center = AssignCoordinates(order, along, up, down);
        double[] rankStart = new double[rankCount];
        double[] rankDepth = new double[rankCount];
        for (int v = 0; v < virtualRank.Count; v++)
        {
            rankDepth[virtualRank[v]] = Math.Max(rankDepth[virtualRank[v]], across[v]);
        }
        double cursor = Margin;
        for (int r = 0; r < rankCount; r++)
        {
            rankStart[r] = cursor;
            cursor += rankDepth[r] + RankGap;
        }
        double depthExtent = rankCount == 0 ? 2 * Margin : cursor - RankGap + Margin;
        double orderExtent = Margin;
        for (int v = 0; v < virtualRank.Count; v++)
        {
            orderExtent = Math.Max(orderExtent, center[v] + along[v] / 2 + Margin);
        }

        var boxes = new LayoutBox[n];
        for (int v = 0; v < n; v++)
        {
            // Boxes of a rank share their entry side, so edges into a rank all end on one line.
            double o = center[v] - along[v] / 2, k = rankStart[rank[v]];
            boxes[v] = LeftToRight ? new LayoutBox(k, o, across[v], along[v]) : new LayoutBox(o, k, along[v], across[v]);
        }
        (double[] exit, double[] entry) = Ports(n, chains, center, along);
        var paths = new IReadOnlyList<(double, double)>[edges.Count];
        for (int e = 0; e < edges.Count; e++)
        {
            List<int> chain = chains[e];
            var points = new List<(double, double)>(chain.Count * 2);
            int source = chain[0], target = chain[^1];
            points.Add(Point(exit[e], rankStart[rank[source]] + across[source]));
            for (int i = 1; i + 1 < chain.Count; i++)
            {
                int d = chain[i];
                points.Add(Point(center[d], rankStart[virtualRank[d]]));
                points.Add(Point(center[d], rankStart[virtualRank[d]] + rankDepth[virtualRank[d]]));
            }
            points.Add(Point(entry[e], rankStart[rank[target]]));
            paths[e] = points;
        }
        return LeftToRight
            ? new GraphLayout(boxes, paths, rank, depthExtent, orderExtent, initial, best, true)
            : new GraphLayout(boxes, paths, rank, orderExtent, depthExtent, initial, best, false);
    }

    /// <summary>
    /// Where each edge leaves its source and enters its target: a box's edges are spread along its side in the order
    /// of where they go (or come from), so neither they nor their labels start on top of each other.
    /// </summary>
    private static (double[] Exit, double[] Entry) Ports(int n, List<int>[] chains, double[] center, List<double> along)
    {
        var exit = new double[chains.Length];
        var entry = new double[chains.Length];
        var outgoing = new List<int>[n];
        var incoming = new List<int>[n];
        for (int v = 0; v < n; v++)
        {
            outgoing[v] = [];
            incoming[v] = [];
        }
        for (int e = 0; e < chains.Length; e++)
        {
            outgoing[chains[e][0]].Add(e);
            incoming[chains[e][^1]].Add(e);
        }
        for (int v = 0; v < n; v++)
        {
            Spread(v, outgoing[v], e => center[chains[e][1]], exit);
            Spread(v, incoming[v], e => center[chains[e][^2]], entry);
        }
        return (exit, entry);

        void Spread(int v, List<int> side, Func<int, double> toward, double[] port)
        {
            // Edges carrying the same far end share a port, so a blob read twice by one layer draws as one line.
            double[] distinct = side.Select(toward).Distinct().Order().ToArray();
            double span = along[v] * 0.6;
            foreach (int e in side)
            {
                int slot = Array.IndexOf(distinct, toward(e));
                port[e] = distinct.Length == 1 ? center[v] : center[v] - span / 2 + span * slot / (distinct.Length - 1);
            }
        }
    }

    private (double, double) Point(double orderAxis, double rankAxis) => LeftToRight ? (rankAxis, orderAxis) : (orderAxis, rankAxis);

    /// <summary>Longest path from the sources; a source then moves down to just above its first consumer.</summary>
    private static int[] Rank(int n, IReadOnlyList<(int From, int To)> edges)
    {
        var outgoing = new List<int>[n];
        var indegree = new int[n];
        for (int v = 0; v < n; v++)
        {
            outgoing[v] = [];
        }
        foreach ((int from, int to) in edges)
        {
            if ((uint)from >= (uint)n || (uint)to >= (uint)n)
            {
                throw new ArgumentException($"edge {from}->{to} names a node outside 0..{n - 1}", nameof(edges));
            }
            outgoing[from].Add(to);
            indegree[to]++;
        }
        var rank = new int[n];
        var queue = new Queue<int>();
        var remaining = (int[])indegree.Clone();
        for (int v = 0; v < n; v++)
        {
            if (remaining[v] == 0)
            {
                queue.Enqueue(v);
            }
        }
        int seen = 0;
        while (queue.Count > 0)
        {
            int v = queue.Dequeue();
            seen++;
            foreach (int w in outgoing[v])
            {
                rank[w] = Math.Max(rank[w], rank[v] + 1);
                if (--remaining[w] == 0)
                {
                    queue.Enqueue(w);
                }
            }
        }
        if (seen != n)
        {
            throw new ArgumentException("the edges form a cycle", nameof(edges));
        }
        for (int v = 0; v < n; v++)
        {
            // A label input feeding only the loss should sit beside the loss, not at the top with a long edge.
            if (indegree[v] == 0 && outgoing[v].Count > 0)
            {
                rank[v] = outgoing[v].Min(w => rank[w]) - 1;
            }
        }
        return rank;
    }

    private int ReduceCrossings(List<int>[] order, int[] position, List<int>[] up, List<int>[] down, int initial)
    {
        int best = initial;
        List<int>[] bestOrder = order.Select(o => new List<int>(o)).ToArray();
        for (int sweep = 0; sweep < Sweeps && best > 0; sweep++)
        {
            for (int r = 1; r < order.Length; r++)
            {
                SortByBarycenter(order[r], position, up);
                Renumber(order, position, r);
            }
            for (int r = order.Length - 2; r >= 0; r--)
            {
                SortByBarycenter(order[r], position, down);
                Renumber(order, position, r);
            }
            int crossings = CountCrossings(order, position, down);
            if (crossings < best)
            {
                best = crossings;
                bestOrder = order.Select(o => new List<int>(o)).ToArray();
            }
        }
        for (int r = 0; r < order.Length; r++)
        {
            order[r] = bestOrder[r];
        }
        Renumber(order, position);
        return best;
    }

    private static void SortByBarycenter(List<int> rank, int[] position, List<int>[] neighbours)
    {
        var keyed = new (double Key, int Node, int Was)[rank.Count];
        for (int i = 0; i < rank.Count; i++)
        {
            int v = rank[i];
            List<int> adjacent = neighbours[v];
            // A node with no neighbour on that side keeps its place.
            double key = adjacent.Count == 0 ? i : adjacent.Average(w => (double)position[w]);
            keyed[i] = (key, v, i);
        }
        Array.Sort(keyed, (a, b) => a.Key != b.Key ? a.Key.CompareTo(b.Key) : a.Was.CompareTo(b.Was));
        for (int i = 0; i < rank.Count; i++)
        {
            rank[i] = keyed[i].Node;
        }
    }

    private static void Renumber(List<int>[] order, int[] position)
    {
        for (int r = 0; r < order.Length; r++)
        {
            Renumber(order, position, r);
        }
    }

    private static void Renumber(List<int>[] order, int[] position, int r)
    {
        for (int i = 0; i < order[r].Count; i++)
        {
            position[order[r][i]] = i;
        }
    }

    /// <summary>Pairs of segments between adjacent ranks whose ends are in opposite orders.</summary>
    internal static int CountCrossings(List<int>[] order, int[] position, List<int>[] down)
    {
        int total = 0;
        var ends = new List<(int Upper, int Lower)>();
        for (int r = 0; r + 1 < order.Length; r++)
        {
            ends.Clear();
            foreach (int u in order[r])
            {
                foreach (int l in down[u])
                {
                    ends.Add((position[u], position[l]));
                }
            }
            for (int i = 0; i < ends.Count; i++)
            {
                for (int j = i + 1; j < ends.Count; j++)
                {
                    if ((ends[i].Upper - ends[j].Upper) * (ends[i].Lower - ends[j].Lower) < 0)
                    {
                        total++;
                    }
                }
            }
        }
        return total;
    }

    /// <summary>Centres along the order axis: start packed, then repeatedly pull toward neighbours' centres.</summary>
    private double[] AssignCoordinates(List<int>[] order, List<double> along, List<int>[] up, List<int>[] down)
    {
        var center = new double[along.Count];
        foreach (List<int> rank in order)
        {
            double x = Margin;
            foreach (int v in rank)
            {
                center[v] = x + along[v] / 2;
                x += along[v] + NodeGap;
            }
        }
        for (int pass = 0; pass < 8; pass++)
        {
            bool downward = pass % 2 == 0;
            for (int i = 0; i < order.Length; i++)
            {
                List<int> rank = order[downward ? i : order.Length - 1 - i];
                Place(rank, along, center, v => downward ? up[v] : down[v], v => downward ? down[v] : up[v]);
            }
        }
        double min = double.MaxValue;
        for (int v = 0; v < along.Count; v++)
        {
            min = Math.Min(min, center[v] - along[v] / 2);
        }
        for (int v = 0; v < along.Count && min != double.MaxValue; v++)
        {
            center[v] += Margin - min;
        }
        return center;
    }

    /// <summary>
    /// Moves one rank's centres as close as possible (least squares) to where its neighbours pull them, keeping the
    /// order and the gaps: with offsets removed the constraint is "non-decreasing", which pool-adjacent-violators solves exactly.
    /// </summary>
    private void Place(List<int> rank, List<double> along, double[] center, Func<int, List<int>> primary, Func<int, List<int>> secondary)
    {
        int m = rank.Count;
        if (m == 0)
        {
            return;
        }
        var offset = new double[m];
        var target = new double[m];
        for (int i = 0; i < m; i++)
        {
            int v = rank[i];
            offset[i] = i == 0 ? 0 : offset[i - 1] + (along[rank[i - 1]] + along[v]) / 2 + NodeGap;
            List<int> pull = primary(v).Count > 0 ? primary(v) : secondary(v);
            double desired = pull.Count > 0 ? pull.Average(w => center[w]) : center[v];
            target[i] = desired - offset[i];
        }
        // Pool adjacent violators: blocks of (mean, weight, count).
        var means = new double[m];
        var weights = new int[m];
        int blocks = 0;
        for (int i = 0; i < m; i++)
        {
            means[blocks] = target[i];
            weights[blocks] = 1;
            blocks++;
            while (blocks > 1 && means[blocks - 2] > means[blocks - 1])
            {
                int w = weights[blocks - 2] + weights[blocks - 1];
                means[blocks - 2] = (means[blocks - 2] * weights[blocks - 2] + means[blocks - 1] * weights[blocks - 1]) / w;
                weights[blocks - 2] = w;
                blocks--;
            }
        }
        int k = 0;
        for (int b = 0; b < blocks; b++)
        {
            for (int j = 0; j < weights[b]; j++, k++)
            {
                center[rank[k]] = means[b] + offset[k];
            }
        }
    }
}
