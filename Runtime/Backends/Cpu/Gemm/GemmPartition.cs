namespace Engine.Backends.Cpu;

/// <summary>
/// A split of C into a grid of row strips × column strips for the threads of one SGEMM call. Strip edges fall on multiples of
/// MR rows and NR columns, so each strip's tiles are tiles of the unsplit product and the result does not depend on the split.
/// </summary>
internal readonly struct GemmPartition
{
    /// <summary>Row strips.</summary>
    public int RowStrips { get; init; }

    /// <summary>Column strips.</summary>
    public int ColumnStrips { get; init; }

    /// <summary>Blocks in the grid, the number of tasks.</summary>
    public int Blocks => RowStrips * ColumnStrips;

    /// <summary>
    /// Picks the grid of <paramref name="blocks"/> blocks (fewer when C has fewer tiles) that packs the least: every column
    /// strip packs all of its rows of A once per NC block, and every row strip packs all of its columns of B once.
    /// </summary>
    public static GemmPartition Choose(int m, int n, int k, int mr, int nr, int nc, int blocks)
    {
        int mPanels = (m + mr - 1) / mr, nPanels = (n + nr - 1) / nr;
        blocks = Math.Max(1, Math.Min(blocks, mPanels * nPanels));
        var best = new GemmPartition { RowStrips = 1, ColumnStrips = 1 };
        double bestCost = double.MaxValue;
        // Fewer blocks than asked only when no grid of exactly that many fits the tiles.
        for (int total = blocks; total >= 1 && bestCost == double.MaxValue; total--)
        {
            for (int rowStrips = 1; rowStrips <= total; rowStrips++)
            {
                if (total % rowStrips != 0) continue;
                int columnStrips = total / rowStrips;
                if (rowStrips > mPanels || columnStrips > nPanels) continue;
                int stripColumns = (nPanels + columnStrips - 1) / columnStrips * nr;
                double packA = (double)m * k * columnStrips * ((stripColumns + nc - 1) / nc);
                double packB = (double)n * k * rowStrips;
                // Ties go to column strips: with the few rows of a fully connected layer each thread then reads only its
                // share of the weights.
                double cost = packA + packB + rowStrips * 1e-3;
                if (cost < bestCost)
                {
                    bestCost = cost;
                    best = new GemmPartition { RowStrips = rowStrips, ColumnStrips = columnStrips };
                }
            }
        }
        return best;
    }

    /// <summary>The rows [i0, i1) and columns [j0, j1) of block <paramref name="index"/>; panels are spread evenly.</summary>
    public void Bounds(int index, int m, int n, int mr, int nr, out int i0, out int i1, out int j0, out int j1)
    {
        int rowStrip = index / ColumnStrips, columnStrip = index - rowStrip * ColumnStrips;
        int mPanels = (m + mr - 1) / mr, nPanels = (n + nr - 1) / nr;
        i0 = (int)((long)rowStrip * mPanels / RowStrips) * mr;
        i1 = Math.Min(m, (int)((long)(rowStrip + 1) * mPanels / RowStrips) * mr);
        j0 = (int)((long)columnStrip * nPanels / ColumnStrips) * nr;
        j1 = Math.Min(n, (int)((long)(columnStrip + 1) * nPanels / ColumnStrips) * nr);
    }
}
