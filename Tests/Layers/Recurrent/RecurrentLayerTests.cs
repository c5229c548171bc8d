using Engine.Fillers;
using Engine.Proto;
using Engine.Tests.Layers.Vision;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.Layers.Recurrent;

/// <summary>LSTM, RNN and LSTMUnit: PyTorch references, gradients through time, state carry-over, errors.</summary>
public class RecurrentLayerTests
{
    private static LayerParameter Def(string type, int hidden, bool expose = false, string name = "rec")
        => new()
        {
            Name = name, Type = type,
            RecurrentParam = new RecurrentParameter
            {
                NumOutput = (uint)hidden, ExposeHidden = expose,
                WeightFiller = Filler.Uniform(-0.6f, 0.6f), BiasFiller = Filler.Uniform(-0.3f, 0.3f),
            },
        };

    private static Blob Cont(int steps, int streams, params (int T, int N)[] resets)
    {
        var cont = new Blob([steps, streams], "cont");
        cont.MutableData.Fill(1f);
        foreach ((int t, int n) in resets)
        {
            cont.MutableData[t * streams + n] = 0f;
        }
        return cont;
    }

    private static Blob[] AllTops(int count)
    {
        var tops = new Blob[count];
        for (int i = 0; i < count; i++)
        {
            tops[i] = new Blob("top" + i);
        }
        return tops;
    }

    [TestCase("lstm_reset")]
    [TestCase("lstm_expose")]
    public void LSTM_MatchesPyTorch(string fixture)
    {
        LayerFixture f = LayerFixture.Load(fixture);
        bool expose = f.Bool("expose_hidden");
        Blob x = f.Blob("x"), cont = f.Blob("cont");
        Blob[] bottoms = expose ? [x, cont, f.Blob("h0"), f.Blob("c0")] : [x, cont];
        Blob[] tops = AllTops(expose ? 3 : 1);
        Layer layer = TestData.SetUp(Def("LSTM", f.Int("num_output"), expose), bottoms, tops);
        Assert.That(layer.Blobs.Select(b => b.ShapeArray), Is.EqualTo(new[] { f.Shape("w_xc"), f.Shape("b_c"), f.Shape("w_hc") }));
        f.Data("w_xc").CopyTo(layer.Blobs[0].MutableData);
        f.Data("b_c").CopyTo(layer.Blobs[1].MutableData);
        f.Data("w_hc").CopyTo(layer.Blobs[2].MutableData);
        layer.Forward(bottoms, tops);
        f.AssertClose("y", tops[0].Data, "LSTM output");
        f.Data("dy").CopyTo(tops[0].MutableDiff);
        if (expose)
        {
            f.AssertClose("h_t", tops[1].Data, "final h");
            f.AssertClose("c_t", tops[2].Data, "final c");
            f.Data("dh_t").CopyTo(tops[1].MutableDiff);
            f.Data("dc_t").CopyTo(tops[2].MutableDiff);
        }
        foreach (Blob p in layer.Blobs)
        {
            p.MutableDiff.Clear();
        }
        bool[] propagate = expose ? [true, false, true, true] : [true, false];
        layer.Backward(tops, propagate, bottoms);
        f.AssertClose("dx", x.Diff, "LSTM input gradient");
        f.AssertClose("dw_xc", layer.Blobs[0].Diff, "W_xc gradient");
        f.AssertClose("db_c", layer.Blobs[1].Diff, "b_c gradient");
        f.AssertClose("dw_hc", layer.Blobs[2].Diff, "W_hc gradient");
        if (expose)
        {
            f.AssertClose("dh0", bottoms[2].Diff, "h0 gradient");
            f.AssertClose("dc0", bottoms[3].Diff, "c0 gradient");
        }
    }

    [Test]
    public void LSTM_WithStaticInputAndExposedState_MatchesPyTorch()
    {
        LayerFixture f = LayerFixture.Load("lstm_static");
        Blob x = f.Blob("x"), xs = f.Blob("x_static");
        Blob[] bottoms = [x, f.Blob("cont"), xs, f.Blob("h0"), f.Blob("c0")];
        Blob[] tops = AllTops(3);
        Layer layer = TestData.SetUp(Def("LSTM", f.Int("num_output"), expose: true), bottoms, tops);
        string[] names = ["w_xc", "b_c", "w_xc_static", "w_hc"];
        for (int i = 0; i < names.Length; i++)
        {
            Assert.That(layer.Blobs[i].ShapeArray, Is.EqualTo(f.Shape(names[i])), names[i]);
            f.Data(names[i]).CopyTo(layer.Blobs[i].MutableData);
        }
        layer.Forward(bottoms, tops);
        f.AssertClose("y", tops[0].Data, "LSTM output");
        f.AssertClose("h_t", tops[1].Data, "final h");
        f.AssertClose("c_t", tops[2].Data, "final c");
        f.Data("dy").CopyTo(tops[0].MutableDiff);
        f.Data("dh_t").CopyTo(tops[1].MutableDiff);
        f.Data("dc_t").CopyTo(tops[2].MutableDiff);
        foreach (Blob p in layer.Blobs)
        {
            p.MutableDiff.Clear();
        }
        layer.Backward(tops, [true, false, true, true, true], bottoms);
        f.AssertClose("dx", x.Diff, "input gradient");
        f.AssertClose("dx_static", xs.Diff, "static input gradient");
        f.AssertClose("dh0", bottoms[3].Diff, "h0 gradient");
        f.AssertClose("dc0", bottoms[4].Diff, "c0 gradient");
        for (int i = 0; i < names.Length; i++)
        {
            f.AssertClose("d" + names[i], layer.Blobs[i].Diff, names[i] + " gradient");
        }
    }

    [Test]
    public void RNN_MatchesPyTorch()
    {
        LayerFixture f = LayerFixture.Load("rnn_reset");
        Blob x = f.Blob("x"), cont = f.Blob("cont"), y = new("y");
        Layer layer = TestData.SetUp(Def("RNN", f.Int("num_output")), [x, cont], [y]);
        string[] names = ["w_xh", "b_h", "w_hh", "w_ho", "b_o"];
        for (int i = 0; i < names.Length; i++)
        {
            Assert.That(layer.Blobs[i].ShapeArray, Is.EqualTo(f.Shape(names[i])), names[i]);
            f.Data(names[i]).CopyTo(layer.Blobs[i].MutableData);
        }
        layer.Forward([x, cont], [y]);
        f.AssertClose("y", y.Data, "RNN output");
        f.Data("dy").CopyTo(y.MutableDiff);
        foreach (Blob p in layer.Blobs)
        {
            p.MutableDiff.Clear();
        }
        layer.Backward([y], [true, false], [x, cont]);
        f.AssertClose("dx", x.Diff, "RNN input gradient");
        for (int i = 0; i < names.Length; i++)
        {
            f.AssertClose("d" + names[i], layer.Blobs[i].Diff, names[i] + " gradient");
        }
    }

    [TestCase("LSTM", false, false)]
    [TestCase("LSTM", true, false)]
    [TestCase("LSTM", true, true)]
    [TestCase("RNN", false, false)]
    [TestCase("RNN", true, true)]
    public void Gradient(string type, bool withStatic, bool expose)
    {
        const int steps = 3, streams = 2, hidden = 3;
        int states = type == "LSTM" ? 2 : 1;
        Blob x = TestData.Uniform([steps, streams, 2, 2], 71, name: "x");
        // Exposed states flow in at t = 0, so keep cont 1 there; otherwise start each sequence with 0.
        Blob cont = expose ? Cont(steps, streams, (2, 1)) : Cont(steps, streams, (0, 0), (0, 1), (2, 1));
        var bottoms = new List<Blob> { x, cont };
        if (withStatic)
        {
            bottoms.Add(TestData.Uniform([streams, 5], 72, name: "static"));
        }
        if (expose)
        {
            for (int s = 0; s < states; s++)
            {
                bottoms.Add(TestData.Uniform([1, streams, hidden], 73 + (ulong)s, name: "state" + s));
            }
        }
        Blob[] b = bottoms.ToArray();
        Blob[] tops = AllTops(1 + (expose ? states : 0));
        Layer layer = TestData.SetUp(Def(type, hidden, expose), b, tops);
        int expectedBlobs = (type == "LSTM" ? 3 : 5) + (withStatic ? 1 : 0);
        Assert.That(layer.Blobs, Has.Count.EqualTo(expectedBlobs));
        int[] check = Enumerable.Range(0, b.Length).Where(i => i != 1).ToArray();
        new GradientChecker(1e-2, 1e-3).Check(layer, b, tops, check);
    }

    [TestCase("LSTM")]
    [TestCase("RNN")]
    public void WithoutExposedState_FinalStateCarriesIntoTheNextForward(string type)
    {
        const int steps = 2, streams = 2, hidden = 3;
        Blob x = TestData.Uniform([2 * steps, streams, 3], 81), cont = Cont(2 * steps, streams, (0, 0), (0, 1)), y = new();
        Layer whole = TestData.SetUp(Def(type, hidden), [x, cont], [y], seed: 9);
        whole.Forward([x, cont], [y]);

        Blob x1 = new(steps, streams, 3), x2 = new(steps, streams, 3), c1 = Cont(steps, streams, (0, 0), (0, 1)), c2 = Cont(steps, streams);
        x.Data[..x1.Count].CopyTo(x1.MutableData);
        x.Data[x1.Count..].CopyTo(x2.MutableData);
        Blob y1 = new(), y2 = new();
        Layer halves = TestData.SetUp(Def(type, hidden), [x1, c1], [y1], seed: 9);
        halves.Forward([x1, c1], [y1]);
        halves.Forward([x2, c2], [y2]);
        for (int i = 0; i < y2.Count; i++)
        {
            Assert.That(y2.Data[i], Is.EqualTo(y.Data[y1.Count + i]).Within(1e-5));
        }
        // A zero cont at the first step cuts the link: the second half then starts from a fresh state.
        Blob y3 = new();
        Blob c3 = Cont(steps, streams, (0, 0), (0, 1));
        halves.Forward([x2, c3], [y3]);
        Blob fresh = new();
        Layer other = TestData.SetUp(Def(type, hidden), [x2, c3], [fresh], seed: 9);
        other.Forward([x2, c3], [fresh]);
        Assert.That(y3.Data.ToArray(), Is.EqualTo(fresh.Data.ToArray()).Within(1e-6));
    }

    [Test]
    public void ContOfWrongShape_And_GradientToCont_Fail()
    {
        Blob x = TestData.Uniform([3, 2, 4], 1, name: "seq"), cont = new([3, 3], "cont");
        var ex = Assert.Throws<LayerException>(() => TestData.SetUp(Def("LSTM", 2, name: "lstm1"), [x, cont], [new Blob()]));
        Assert.That(ex!.Message, Does.Contain("lstm1").And.Contain("3 3 (9)").And.Contain("3 2 4 (24)"));

        Blob goodCont = Cont(3, 2, (0, 0), (0, 1)), y = new();
        Layer layer = TestData.SetUp(Def("RNN", 2, name: "rnn1"), [x, goodCont], [y]);
        layer.Forward([x, goodCont], [y]);
        Assert.That(() => layer.Backward([y], [true, true], [x, goodCont]),
            Throws.TypeOf<LayerException>().With.Message.Contain("rnn1").And.Message.Contain("continuation"));
        Assert.That(() => TestData.SetUp(Def("LSTM", 0), [x, goodCont], [new Blob()]),
            Throws.TypeOf<LayerException>().With.Message.Contain("num_output"));
    }

    [Test]
    public void ExposedStateOfWrongShape_Fails()
    {
        Blob x = TestData.Uniform([3, 2, 4], 1), cont = Cont(3, 2), h0 = new([1, 2, 5], "h0"), c0 = new([1, 2, 3], "c0");
        var ex = Assert.Throws<LayerException>(() => TestData.SetUp(Def("LSTM", 3, expose: true), [x, cont, h0, c0], AllTops(3)));
        Assert.That(ex!.Message, Does.Contain("h0").And.Contain("1 2 5 (10)"));
    }

    [Test]
    public void LSTMUnit_ForwardAndGradient()
    {
        const int streams = 3, hidden = 2;
        Blob cPrev = TestData.Uniform([1, streams, hidden], 91, name: "c_prev");
        Blob gates = TestData.Uniform([1, streams, 4 * hidden], 92, -2, 2, name: "gates");
        Blob cont = TestData.Of([1, streams], 1, 0, 1);
        Blob c = new("c"), h = new("h");
        Layer layer = TestData.SetUp(new LayerParameter { Name = "unit", Type = "LSTMUnit" }, [cPrev, gates, cont], [c, h]);
        layer.Forward([cPrev, gates, cont], [c, h]);
        static double Sig(double v) => 1 / (1 + Math.Exp(-v));
        for (int n = 0; n < streams; n++)
        {
            for (int d = 0; d < hidden; d++)
            {
                ReadOnlySpan<float> g = gates.Data.Slice(n * 4 * hidden, 4 * hidden);
                double i = Sig(g[d]), f = cont.Data[n] * Sig(g[hidden + d]), o = Sig(g[2 * hidden + d]), gg = Math.Tanh(g[3 * hidden + d]);
                double expectedC = f * cPrev.Data[n * hidden + d] + i * gg;
                Assert.That(c.Data[n * hidden + d], Is.EqualTo(expectedC).Within(1e-5));
                Assert.That(h.Data[n * hidden + d], Is.EqualTo(o * Math.Tanh(expectedC)).Within(1e-5));
            }
        }
        new GradientChecker(1e-2, 1e-3).Check(layer, [cPrev, gates, cont], [c, h], [0, 1]);
    }
}
