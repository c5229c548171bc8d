using System.Diagnostics;
using System.Text;
using Engine.Editor.Drawing;
using NUnit.Framework;

namespace Engine.Tests.Editor;

/// <summary>Properties of the layered layout behind <c>engine draw</c>.</summary>
public class LayeredLayoutTests
{
    /// <summary>A residual net: conv/BN/ReLU blocks whose input skips the block and is summed back with Eltwise.</summary>
    private static string ResidualNet(int blocks)
    {
        var s = new StringBuilder("""
            name: "residual"
            layer { name: "data" type: "Input" top: "data" top: "label" input_param { shape { dim: 2 dim: 4 dim: 8 dim: 8 } shape { dim: 2 } } }
            layer { name: "stem" type: "Convolution" bottom: "data" top: "b0" convolution_param { num_output: 4 kernel_size: 3 pad: 1 } }

            """);
        for (int b = 1; b <= blocks; b++)
        {
            string input = $"b{b - 1}";
            s.Append($$"""
                layer { name: "conv{{b}}a" type: "Convolution" bottom: "{{input}}" top: "c{{b}}a" convolution_param { num_output: 4 kernel_size: 3 pad: 1 } }
                layer { name: "bn{{b}}" type: "BatchNorm" bottom: "c{{b}}a" top: "c{{b}}a" }
                layer { name: "relu{{b}}a" type: "ReLU" bottom: "c{{b}}a" top: "c{{b}}a" }
                layer { name: "conv{{b}}b" type: "Convolution" bottom: "c{{b}}a" top: "c{{b}}b" convolution_param { num_output: 4 kernel_size: 3 pad: 1 } }
                layer { name: "sum{{b}}" type: "Eltwise" bottom: "c{{b}}b" bottom: "{{input}}" top: "b{{b}}" }
                layer { name: "relu{{b}}b" type: "ReLU" bottom: "b{{b}}" top: "b{{b}}" }

                """);
        }
        s.Append($$"""
            layer { name: "pool" type: "Pooling" bottom: "b{{blocks}}" top: "pool" pooling_param { pool: AVE global_pooling: true } }
            layer { name: "fc" type: "InnerProduct" bottom: "pool" top: "fc" inner_product_param { num_output: 3 } }
            layer { name: "loss" type: "SoftmaxWithLoss" bottom: "fc" bottom: "label" top: "loss" }
            """);
        return s.ToString();
    }

    private static void AssertNoOverlapAndDownward(GraphLayout layout, IReadOnlyList<(int From, int To)> edges)
    {
        for (int a = 0; a < layout.Boxes.Count; a++)
        {
            for (int b = a + 1; b < layout.Boxes.Count; b++)
            {
                Assert.That(layout.Boxes[a].Overlaps(layout.Boxes[b]), Is.False, $"boxes {a} and {b} overlap: {layout.Boxes[a]} {layout.Boxes[b]}");
            }
        }
        for (int e = 0; e < edges.Count; e++)
        {
            LayoutBox from = layout.Boxes[edges[e].From], to = layout.Boxes[edges[e].To];
            Assert.That(to.Y, Is.GreaterThanOrEqualTo(from.Y + from.Height), $"edge {edges[e]} does not point down");
            IReadOnlyList<(double X, double Y)> path = layout.EdgePaths[e];
            for (int i = 1; i < path.Count; i++)
            {
                Assert.That(path[i].Y, Is.GreaterThanOrEqualTo(path[i - 1].Y), $"edge {edges[e]} turns upward");
            }
            Assert.That(path[0].Y, Is.EqualTo(from.Y + from.Height).Within(1e-9));
            Assert.That(path[^1].Y, Is.EqualTo(to.Y).Within(1e-9));
        }
    }

    [Test]
    public void ResidualNet_200Layers_DrawsFast_WithoutOverlaps_AndEveryEdgeDownward()
    {
        using var dir = new TempDirectory();
        string net = dir.Write("residual.prototxt", ResidualNet(33));
        string svg = Path.Combine(dir.Path, "residual.svg");
        var clock = Stopwatch.StartNew();
        (int code, string output, string errors) = CliRunner.Run("draw", net, svg);
        clock.Stop();
        Assert.That(code, Is.EqualTo(0), errors);
        Assert.That(clock.Elapsed.TotalSeconds, Is.LessThan(5), output);
        TestContext.Out.WriteLine($"draw of a 203-layer residual net: {clock.Elapsed.TotalMilliseconds:0} ms ({output.Trim()})");

        NetGraph graph = NetGraphLoader.Build(Engine.Formats.NetDefinitions.LoadNet(net), Engine.Proto.Phase.Train, dir.Path);
        Assert.That(graph.Nodes.Sum(n => 1 + n.Stacked.Count), Is.EqualTo(2 + 33 * 6 + 3));
        NodeLabel[] labels = NetDrawing.Labels(graph);
        GraphLayout layout = NetDrawing.Layout(graph, labels, leftToRight: false);
        AssertNoOverlapAndDownward(layout, graph.Edges.Select(e => (e.From, e.To)).ToArray());
        string text = File.ReadAllText(svg);
        foreach (GraphNode node in graph.Nodes)
        {
            Assert.That(text, Does.Contain($">{node.Layer.Name}<"));
        }
        Assert.That(graph.Nodes.Single(n => n.Layer.Name == "conv7a").Stacked.Select(s => s.Name), Is.EqualTo(new[] { "bn7", "relu7a" }));
    }

    [Test]
    public void LeftToRight_PutsEveryTargetRightOfItsSource()
    {
        var sizes = new (double, double)[] { (80, 40), (60, 30), (60, 30), (90, 50) };
        var edges = new[] { (0, 1), (0, 2), (1, 3), (2, 3) };
        GraphLayout layout = new LayeredLayout { LeftToRight = true }.Run(sizes, edges);
        foreach ((int from, int to) in edges)
        {
            Assert.That(layout.Boxes[to].X, Is.GreaterThanOrEqualTo(layout.Boxes[from].X + layout.Boxes[from].Width));
        }
        Assert.That(layout.Boxes[1].Overlaps(layout.Boxes[2]), Is.False);
        Assert.That(layout.Boxes[1].Width, Is.EqualTo(60), "sizes keep their meaning when ranks run sideways");
    }

    [Test]
    public void BarycenterSweeps_RemoveCrossingsOfACraftedGraph()
    {
        // Rank 0: a b c; rank 1: x y z, wired in reverse (a->z, b->y, c->x) plus a->y: in first-seen order
        // every pair of edges crosses; reversing rank 1 removes all but the crossings forced by a->y.
        var sizes = Enumerable.Repeat((50.0, 30.0), 6).ToArray();
        var edges = new[] { (0, 5), (1, 4), (2, 3), (0, 4) };
        GraphLayout unsorted = new LayeredLayout { Sweeps = 0 }.Run(sizes, edges);
        GraphLayout sorted = new LayeredLayout().Run(sizes, edges);
        Assert.That(unsorted.Crossings, Is.EqualTo(unsorted.InitialCrossings));
        Assert.That(GeometricCrossings(unsorted), Is.EqualTo(unsorted.Crossings), "the counter agrees with the drawing");
        Assert.That(sorted.Crossings, Is.LessThan(sorted.InitialCrossings));
        Assert.That(GeometricCrossings(sorted), Is.EqualTo(sorted.Crossings));
        Assert.That(sorted.Crossings, Is.EqualTo(0));
        AssertNoOverlapAndDownward(sorted, edges);
    }

    [Test]
    public void Cycle_IsRejected()
    {
        Assert.Throws<ArgumentException>(() => new LayeredLayout().Run([(10, 10), (10, 10)], [(0, 1), (1, 0)]));
    }

    /// <summary>Pairs of single-segment edges whose straight lines intersect, counted from coordinates alone.</summary>
    private static int GeometricCrossings(GraphLayout layout)
    {
        int count = 0;
        for (int a = 0; a < layout.EdgePaths.Count; a++)
        {
            for (int b = a + 1; b < layout.EdgePaths.Count; b++)
            {
                (double X, double Y) p = layout.EdgePaths[a][0], q = layout.EdgePaths[a][^1], r = layout.EdgePaths[b][0], s = layout.EdgePaths[b][^1];
                double d1 = Cross(p, q, r), d2 = Cross(p, q, s), d3 = Cross(r, s, p), d4 = Cross(r, s, q);
                if (d1 * d2 < 0 && d3 * d4 < 0)
                {
                    count++;
                }
            }
        }
        return count;
    }

    private static double Cross((double X, double Y) o, (double X, double Y) a, (double X, double Y) b)
        => (a.X - o.X) * (b.Y - o.Y) - (a.Y - o.Y) * (b.X - o.X);
}
