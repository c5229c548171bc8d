using Engine.Layers;
using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.Layers.Common;

/// <summary>The common layers registered and wired together in a net built from prototxt.</summary>
public class CommonLayersInNetTests
{
    [Test]
    public void AllCommonTypesAreRegistered()
    {
        string[] types =
        [
            "Accuracy", "ArgMax", "BatchNorm", "Bias", "Concat", "Dropout", "DummyData", "Embed", "Flatten", "LayerNorm",
            "MVN", "MemoryData", "Parameter", "Reduction", "Reshape", "Scale", "Silence", "Slice", "Tile",
        ];
        Assert.That(types.Where(t => !TestData.Registry.Contains(t)), Is.Empty);
    }

    [Test]
    public void SmallClassifier_TrainsThroughRoutingLayers()
    {
        const string text = """
            name: "routing"
            layer { name: "data" type: "MemoryData" top: "data" top: "label" memory_data_param { batch_size: 4 channels: 2 height: 1 width: 3 } }
            layer { name: "halves" type: "Slice" bottom: "data" top: "a" top: "b" slice_param { axis: 1 } }
            layer { name: "join" type: "Concat" bottom: "b" bottom: "a" top: "joined" concat_param { axis: -1 } }
            layer { name: "flat" type: "Flatten" bottom: "joined" top: "flat" }
            layer { name: "bn" type: "BatchNorm" bottom: "flat" top: "flat" }
            layer { name: "gain" type: "Scale" bottom: "flat" top: "scaled" scale_param { bias_term: true } }
            layer { name: "drop" type: "Dropout" bottom: "scaled" top: "scaled" dropout_param { dropout_ratio: 0.2 } }
            layer { name: "fc" type: "InnerProduct" bottom: "scaled" top: "score" inner_product_param { num_output: 3 weight_filler { type: "xavier" } } }
            layer { name: "loss" type: "SoftmaxWithLoss" bottom: "score" bottom: "label" top: "loss" }
            layer { name: "acc" type: "Accuracy" bottom: "score" bottom: "label" top: "accuracy" }
            layer { name: "noise" type: "DummyData" top: "noise" dummy_data_param { shape { dim: 2 } data_filler { type: "gaussian" } } }
            layer { name: "mute" type: "Silence" bottom: "noise" }
            """;
        NetParameter def = Engine.Formats.Prototxt.Parse<NetParameter>(text, "routing.prototxt");
        using var net = new Engine.Net(def, TestData.Registry, NetOptions.ForPhase(Phase.Train));
        var data = (MemoryDataLayer)net.GetLayer("data");
        float[] values = new float[8 * 6];
        float[] labels = new float[8];
        var rng = new EngineRandom(3);
        for (int i = 0; i < 8; i++)
        {
            labels[i] = i % 3;
            for (int j = 0; j < 6; j++)
            {
                values[i * 6 + j] = rng.NextFloat(-1, 1) + (j == labels[i] ? 2f : 0f);
            }
        }
        data.Reset(values, labels, 8);
        Assert.That(net.GetBlob("flat").ShapeArray, Is.EqualTo(new[] { 4, 6 }));
        Assert.That(net.OutputBlobs.Select(b => b.Name), Is.EquivalentTo(new[] { "loss", "accuracy" }));

        float first = 0, last = 0;
        for (int iter = 0; iter < 60; iter++)
        {
            net.ClearParamDiffs();
            float loss = net.ForwardBackward();
            if (iter < 2)
            {
                first += loss;
            }
            if (iter >= 58)
            {
                last += loss;
            }
            for (int k = 0; k < net.LearnableParams.Count; k++)
            {
                net.LearnableParams[k].ScaleDiff(0.2f * net.ParamLrMults[k]);
            }
            net.Update();
        }
        Assert.That(last, Is.LessThan(first * 0.7f), $"loss went from {first / 2} to {last / 2}");
        Assert.That(net.GetLayer("bn").Blobs[2].Data[0], Is.GreaterThan(1f), "BatchNorm accumulated its statistics");
        Assert.That(net.GetLayer("bn").ParamPropagateDown, Is.All.False);
    }
}
