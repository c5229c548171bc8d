using Engine.Fillers;
using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.Net;

/// <summary>The foundation's end-to-end check: an MLP defined in shuffled order learns the two-spiral problem.</summary>
public class SpiralTrainingTests
{
    /// <summary>Two interleaved spirals, <paramref name="perClass"/> points each, with a little noise.</summary>
    internal static (float[] X, float[] Y) TwoSpirals(int perClass, ulong seed)
    {
        var rng = new EngineRandom(seed);
        var x = new float[perClass * 2 * 2];
        var y = new float[perClass * 2];
        for (int c = 0; c < 2; c++)
        {
            for (int i = 0; i < perClass; i++)
            {
                double t = 0.25 + 2.75 * Math.PI * i / perClass;
                double r = t / (3 * Math.PI);
                double sign = c == 0 ? 1 : -1;
                int n = c * perClass + i;
                x[2 * n] = (float)(sign * r * Math.Cos(t) + 0.01 * rng.NextGaussian());
                x[2 * n + 1] = (float)(sign * r * Math.Sin(t) + 0.01 * rng.NextGaussian());
                y[n] = c;
            }
        }
        return (x, y);
    }

    [Test]
    public void ShuffledMlp_LearnsTwoSpirals_ToAtLeast98Percent()
    {
        const int perClass = 100, n = 2 * perClass;
        (float[] x, float[] y) = TwoSpirals(perClass, 7);
        NetParameter def = new NetBuilder("spiral")
            .Input("data", n, 2).Input("label", n)
            .InnerProduct("ip1", "data", 64, Filler.Xavier(), Filler.Constant(0))
            .TanH("act1", "ip1")
            .InnerProduct("ip2", "ip1", 64, Filler.Xavier(), Filler.Constant(0))
            .TanH("act2", "ip2")
            .InnerProduct("ip3", "ip2", 2, Filler.Xavier(), Filler.Constant(0))
            .SoftmaxWithLoss("loss", "ip3", "label")
            .Softmax("prob", "ip3")
            .Build();
        var layers = def.Layer.ToList();
        var rng = new EngineRandom(3);
        for (int i = layers.Count - 1; i > 0; i--)
        {
            int j = rng.NextInt(i + 1);
            (layers[i], layers[j]) = (layers[j], layers[i]);
        }
        def.Layer.Clear();
        def.Layer.AddRange(layers);
        Assert.That(def.Layer.Select(l => l.Name), Is.Not.EqualTo(new[] { "data", "label", "ip1", "act1", "ip2", "act2", "ip3", "loss", "prob" }));

        using var net = new Engine.Net(def, TestData.Registry, new NetOptions { Phase = Phase.Train, Seed = 5 });
        x.CopyTo(net.GetBlob("data").MutableData);
        y.CopyTo(net.GetBlob("label").MutableData);

        // Plain momentum SGD written out here (the solvers are the training issue's work).
        var history = net.LearnableParams.Select(p => new float[p.Count]).ToArray();
        float firstLoss = 0, loss = 0;
        for (int iter = 0; iter < 3000; iter++)
        {
            net.ClearParamDiffs();
            loss = net.ForwardBackward();
            if (iter == 0)
            {
                firstLoss = loss;
            }
            for (int p = 0; p < history.Length; p++)
            {
                Blob param = net.LearnableParams[p];
                ReadOnlySpan<float> g = param.Diff;
                Span<float> h = history[p];
                for (int k = 0; k < h.Length; k++)
                {
                    h[k] = 0.9f * h[k] + 0.1f * g[k];
                }
                h.CopyTo(param.MutableDiff);
            }
            net.Update();
        }

        net.Forward();
        ReadOnlySpan<float> prob = net.GetBlob("prob").Data;
        int correct = 0;
        for (int i = 0; i < n; i++)
        {
            int predicted = prob[2 * i + 1] > prob[2 * i] ? 1 : 0;
            correct += predicted == (int)y[i] ? 1 : 0;
        }
        double accuracy = (double)correct / n;
        TestContext.Out.WriteLine($"loss {firstLoss:F4} -> {loss:F4}, training accuracy {accuracy:P1}");
        Assert.That(loss, Is.LessThan(firstLoss));
        Assert.That(accuracy, Is.GreaterThanOrEqualTo(0.98));
    }
}
