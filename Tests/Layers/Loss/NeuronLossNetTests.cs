using Engine.Formats;
using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.Layers.Loss;

/// <summary>The new layers inside a net built from prototxt: type names, required fields, in-place use, and training.</summary>
public class NeuronLossNetTests
{
    private const string Definition = """
        name: "maxout_svm"
        layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 6 dim: 4 } } }
        layer { name: "label" type: "Input" top: "label" input_param { shape { dim: 6 } } }
        layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip"
                inner_product_param { num_output: 5 weight_filler { type: "gaussian" std: 0.5 } } }
        layer { name: "prelu" type: "PReLU" bottom: "ip" top: "ip" }
        layer { name: "clip" type: "Clip" bottom: "ip" top: "ip" clip_param { min: -3 max: 3 } }
        layer { name: "maxout" type: "Maxout" bottom: "ip" top: "scores"
                maxout_param { num_output: 3 num_pieces: 2 weight_filler { type: "gaussian" std: 0.5 } } }
        layer { name: "loss" type: "MulticlassHingeLoss" bottom: "scores" bottom: "label" top: "loss" }
        """;

    [Test]
    public void InPlaceNeuronsAndMaxout_TrainTheLectureSvmLoss()
    {
        NetParameter def = Prototxt.Parse<NetParameter>(Definition, "maxout_svm.prototxt");
        using var net = new Engine.Net(def, TestData.Registry, new NetOptions { Phase = Phase.Train, Seed = 3 });
        TestData.Uniform([6, 4], 81).Data.CopyTo(net.GetBlob("data").MutableData);
        TestData.Labels(6, 3, 82).Data.CopyTo(net.GetBlob("label").MutableData);
        Assert.That(net.GetLayer("prelu").Blobs[0].ShapeArray, Is.EqualTo(new[] { 5 }));
        Assert.That(net.GetBlob("scores").ShapeArray, Is.EqualTo(new[] { 6, 3 }));

        float first = 0, last = 0;
        for (int step = 0; step < 60; step++)
        {
            net.ClearParamDiffs();
            last = net.ForwardBackward();
            if (step == 0)
            {
                first = last;
            }
            foreach (Blob p in net.LearnableParams)
            {
                p.ScaleDiff(0.1f);
            }
            net.Update();
        }
        Assert.That(first, Is.GreaterThan(0.5f), "the untrained net must have a loss to reduce");
        Assert.That(last, Is.LessThan(first * 0.5f), $"loss went from {first} to {last}");
    }

    [Test]
    public void ClipWithoutMin_IsAParseError()
    {
        // ClipParameter's bounds are proto2 required fields: the text reader rejects a file that omits one.
        string text = Definition.Replace("clip_param { min: -3 max: 3 }", "clip_param { max: 3 }");
        Exception? ex = Assert.Catch(() => Prototxt.Parse<NetParameter>(text, "maxout_svm.prototxt"));
        Assert.That(ex!.Message, Does.Contain("min"));
    }
}
