using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;
using static Engine.Tests.Layers.LayerTestKit;

namespace Engine.Tests.Layers.Neuron;

/// <summary>
/// Neuron layers against PyTorch references (Tests/Fixtures/Layers/make_neuron_loss_fixtures.py): outputs and gradients
/// for the same float32 inputs and upstream gradient, within 1e-4 relative (plus 1e-6 absolute for values near 0, where
/// float32 cannot hold a relative 1e-4 of a tiny number, e.g. softplus(−40) ≈ 4e-18 evaluates to 0 in float).
/// </summary>
public class NeuronTorchReferenceTests
{
    private const double Rel = 1e-4;
    private const double Abs = 1e-6;

    private static LayerParameter DefFor(System.Text.Json.JsonElement c)
    {
        string type = c.GetProperty("type").GetString()!;
        return Def(type, p =>
        {
            switch (type)
            {
                case "PReLU":
                    p.PreluParam = new PReLUParameter { ChannelShared = c.Param("channel_shared").GetBoolean() };
                    break;
                case "ELU":
                    p.EluParam = new ELUParameter { Alpha = c.Param("alpha").GetSingle() };
                    break;
                case "GELU":
                    p.GeluParam = new GELUParameter { ApproximateTanh = c.Param("approximate_tanh").GetBoolean() };
                    break;
                case "Swish":
                    p.SwishParam = new SwishParameter { Beta = c.Param("beta").GetSingle() };
                    break;
            }
        });
    }

    [TestCase("prelu_per_channel")]
    [TestCase("prelu_shared")]
    [TestCase("elu")]
    [TestCase("gelu_exact")]
    [TestCase("gelu_tanh")]
    [TestCase("gelu_exact_wide")]
    [TestCase("swish_silu")]
    [TestCase("swish_beta")]
    [TestCase("bnll_softplus")]
    public void MatchesPyTorch(string name)
    {
        var c = TorchFixtures.Case(name);
        int[] shape = c.Ints("shape");
        Blob x = c.Blob("x", shape), y = new();
        Layer layer = TestData.SetUp(DefFor(c), [x], [y]);
        if (c.TryGetProperty("slope", out _))
        {
            double[] slope = c.Values("slope");
            Assert.That(layer.Blobs[0].Count, Is.EqualTo(slope.Length));
            for (int i = 0; i < slope.Length; i++)
            {
                layer.Blobs[0].MutableData[i] = (float)slope[i];
            }
        }
        layer.Forward([x], [y]);
        AssertClose(y.Data, c.Values("y"), Rel, Abs, "y");
        double[] dy = c.Values("dy");
        for (int i = 0; i < dy.Length; i++)
        {
            y.MutableDiff[i] = (float)dy[i];
        }
        layer.Backward([y], [true], [x]);
        AssertClose(x.Diff, c.Values("dx"), Rel, Abs, "dx");
        if (c.TryGetProperty("dslope", out _))
        {
            AssertClose(layer.Blobs[0].Diff, c.Values("dslope"), Rel, Abs, "dslope");
        }
    }
}
