using Engine.Fillers;
using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;
using static Engine.Tests.Layers.LayerTestKit;

namespace Engine.Tests.Layers.Neuron;

/// <summary>Maxout: the max over k linear pieces per output, its parameter shapes, tie routing and gradients.</summary>
public class MaxoutLayerTests
{
    private const int Outputs = 3;
    private const int Pieces = 3;

    private static LayerParameter MaxoutDef(uint outputs = Outputs, uint pieces = Pieces) => Def("Maxout", p => p.MaxoutParam = new MaxoutParameter
    {
        NumOutput = outputs, NumPieces = pieces, WeightFiller = Filler.Gaussian(1f), BiasFiller = Filler.Uniform(-1f, 1f),
    });

    /// <summary>All N·num_output·k piece values z[n, j·k + p] = W_{jk+p}·x_n + b_{jk+p}, in double.</summary>
    private static double[] PieceValues(Layer layer, Blob x)
    {
        int n = x.ShapeAt(0), k = x.CountFrom(1), rows = Outputs * Pieces;
        ReadOnlySpan<float> w = layer.Blobs[0].Data, b = layer.Blobs[1].Data, xs = x.Data;
        var z = new double[n * rows];
        for (int i = 0; i < n; i++)
        {
            for (int r = 0; r < rows; r++)
            {
                double s = b[r];
                for (int c = 0; c < k; c++)
                {
                    s += (double)w[r * k + c] * xs[i * k + c];
                }
                z[i * rows + r] = s;
            }
        }
        return z;
    }

    [Test]
    public void Forward_IsTheMaxOfThePieces()
    {
        Blob x = TestData.Uniform([3, 2, 3], 21), y = new();
        Layer layer = TestData.SetUp(MaxoutDef(), [x], [y]);
        Assert.That(layer.Blobs[0].ShapeArray, Is.EqualTo(new[] { Outputs * Pieces, 6 }));
        Assert.That(layer.Blobs[1].ShapeArray, Is.EqualTo(new[] { Outputs * Pieces }));
        Assert.That(y.ShapeArray, Is.EqualTo(new[] { 3, Outputs }));
        layer.Forward([x], [y]);
        double[] z = PieceValues(layer, x);
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < Outputs; j++)
            {
                double expected = Enumerable.Range(0, Pieces).Max(p => z[i * Outputs * Pieces + j * Pieces + p]);
                Assert.That(y.Data[i * Outputs + j], Is.EqualTo(expected).Within(1e-5));
            }
        }
    }

    [Test]
    public void Gradient_OfInputWeightsAndBias()
    {
        Blob x = TestData.Uniform([3, 2, 3], 22), y = new();
        Layer layer = TestData.SetUp(MaxoutDef(), [x], [y]);
        SeparatePieces(layer, x);
        // Ties are the kinks of max: SeparatePieces keeps every winner ≥ 0.3 above its runner-up, while a 1e-2 step moves a
        // piece by at most 1e-2·(|x|₁ or 1) ≤ 0.06, so no check crosses a switch of winner. Pieces are linear, so 1e-3 holds.
        new GradientChecker(1e-2, 1e-3).Check(layer, [x], [y]);
    }

    [Test]
    public void Tie_RoutesTheGradientToTheFirstPiece()
    {
        Blob x = TestData.Uniform([1, 4], 23), y = new();
        Layer layer = TestData.SetUp(MaxoutDef(1, 2), [x], [y]);
        // Both pieces identical ⇒ tie; only piece 0 may receive gradient.
        layer.Blobs[0].Data[..4].CopyTo(layer.Blobs[0].MutableData.Slice(4, 4));
        layer.Blobs[1].MutableData[1] = layer.Blobs[1].Data[0];
        layer.Forward([x], [y]);
        y.MutableDiff[0] = 1f;
        layer.Backward([y], [true], [x]);
        Assert.That(layer.Blobs[1].Diff.ToArray(), Is.EqualTo(new[] { 1f, 0f }));
        Assert.That(layer.Blobs[0].Diff[4..].ToArray(), Is.All.EqualTo(0f));
        Assert.That(layer.Blobs[0].Diff[..4].ToArray(), Is.EqualTo(x.Data.ToArray()));
        Assert.That(x.Diff.ToArray(), Is.EqualTo(layer.Blobs[0].Data[..4].ToArray()));
    }

    [Test]
    public void MissingNumPieces_NamesTheLayer()
    {
        Blob x = TestData.Uniform([2, 3], 24), y = new();
        var ex = Assert.Throws<LayerException>(() => TestData.SetUp(Def("Maxout", p =>
        {
            p.Name = "maxout5";
            p.MaxoutParam = new MaxoutParameter { NumOutput = 4 };
        }), [x], [y]));
        Assert.That(ex!.Message, Does.Contain("maxout5").And.Contain("num_pieces"));
    }

    [Test]
    public void InputSizeChange_NamesBothShapes()
    {
        Blob x = TestData.Uniform([2, 3], 25), y = new();
        Layer layer = TestData.SetUp(MaxoutDef(), [x], [y]);
        x.Reshape(2, 5);
        var ex = Assert.Throws<LayerException>(() => layer.Forward([x], [y]));
        Assert.That(ex!.Message, Does.Contain("maxout").And.Contain(x.ShapeString).And.Contain(layer.Blobs[0].ShapeString));
    }

    /// <summary>Raises winners' biases until every group's winner leads its runner-up by at least 0.3 on every row.</summary>
    private static void SeparatePieces(Layer layer, Blob x)
    {
        const double gap = 0.3;
        int rows = Outputs * Pieces, n = x.ShapeAt(0);
        for (int round = 0; round < 100; round++)
        {
            double[] z = PieceValues(layer, x);
            bool changed = false;
            for (int i = 0; i < n && !changed; i++)
            {
                for (int j = 0; j < Outputs && !changed; j++)
                {
                    int o = i * rows + j * Pieces;
                    int[] order = Enumerable.Range(0, Pieces).OrderByDescending(p => z[o + p]).ToArray();
                    double lead = z[o + order[0]] - z[o + order[1]];
                    if (lead < gap)
                    {
                        layer.Blobs[1].MutableData[j * Pieces + order[0]] += (float)(gap - lead + 0.05);
                        changed = true;
                    }
                }
            }
            if (!changed)
            {
                return;
            }
        }
        Assert.Fail("could not separate the maxout pieces for the gradient check");
    }
}
