using Engine.Fillers;
using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.Layers.Recurrent;

/// <summary>An LSTM inside a <see cref="Engine.Net"/>: per-step classification of a (T=3, N=2) sequence.</summary>
public class LstmNetTests
{
    [Test]
    public void SmallLstmNet_ForwardAndBackward()
    {
        NetParameter def = new NetBuilder("lstm")
            .Input("x", 3, 2, 4).Input("cont", 3, 2).Input("label", 3, 2)
            .Layer("lstm1", "LSTM", ["x", "cont"], ["h"], l => l.RecurrentParam = new RecurrentParameter
            {
                NumOutput = 5, WeightFiller = Filler.Uniform(-0.3f, 0.3f), BiasFiller = Filler.Constant(0),
            })
            .Layer("ip", "InnerProduct", ["h"], ["scores"], l => l.InnerProductParam = new InnerProductParameter
            {
                NumOutput = 3, Axis = 2, WeightFiller = Filler.Xavier(),
            })
            .Layer("loss", "SoftmaxWithLoss", ["scores", "label"], ["loss"], l => l.SoftmaxParam = new SoftmaxParameter { Axis = 2 })
            .Build();
        using var net = new Engine.Net(def, TestData.Registry, new NetOptions { Phase = Phase.Train, Seed = 3 });
        Assert.That(net.GetBlob("h").ShapeArray, Is.EqualTo(new[] { 3, 2, 5 }));
        Assert.That(net.GetBlob("scores").ShapeArray, Is.EqualTo(new[] { 3, 2, 3 }));
        var rng = new EngineRandom(4);
        Span<float> x = net.GetBlob("x").MutableData;
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = rng.NextFloat(-1, 1);
        }
        float[] cont = [0, 0, 1, 1, 1, 0];
        cont.CopyTo(net.GetBlob("cont").MutableData);
        float[] labels = [0, 1, 2, 0, 1, 2];
        labels.CopyTo(net.GetBlob("label").MutableData);

        net.ClearParamDiffs();
        float loss = net.ForwardBackward();
        Assert.That(float.IsFinite(loss) && loss > 0, Is.True, $"loss {loss}");
        Layer lstm = net.GetLayer("lstm1");
        Assert.That(lstm.Blobs.Select(b => b.ShapeArray), Is.EqualTo(new[] { new[] { 20, 4 }, new[] { 20 }, new[] { 20, 5 } }));
        foreach (Blob p in lstm.Blobs)
        {
            Assert.That(p.Diff.ToArray().All(float.IsFinite), Is.True);
            Assert.That(p.SumSquaresDiff(), Is.GreaterThan(0f), $"gradient of {p.Name}");
        }
    }
}
