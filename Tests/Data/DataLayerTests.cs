using Engine.Layers;
using Engine.Proto;
using Engine.Tests.Solvers;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.Data;

public class DataLayerTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = SolverTestHelpers.TempDirectory();

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, true);

    private (DataLayer Layer, Blob Data, Blob Label) Make(string source, Phase phase, int batch, string transform = "", ulong seed = 1)
    {
        LayerParameter p = Engine.Formats.Prototxt.Parse<LayerParameter>(
            $"name: \"d\" type: \"Data\" top: \"data\" top: \"label\" data_param {{ source: \"{source}\" batch_size: {batch} }} {transform}", "layer");
        p.Phase = phase;
        var data = new Blob();
        var label = new Blob();
        var layer = (DataLayer)TestData.SetUp(p, [], [data, label], seed);
        return (layer, data, label);
    }

    [Test]
    public void Test_ReadsInOrder_Scaled_WrappingAroundTheEnd()
    {
        string images = IdxTestFiles.WriteSet(_dir, "t10k", 5, 2, 2, 5);
        (DataLayer layer, Blob data, Blob label) = Make(images, Phase.Test, 3, "transform_param { scale: 0.5 }");
        using (layer)
        {
            Assert.That(data.Shape.ToArray(), Is.EqualTo(new[] { 3, 1, 2, 2 }));
            Assert.That(label.Shape.ToArray(), Is.EqualTo(new[] { 3 }));
            var labels = new List<float>();
            for (int b = 0; b < 3; b++)
            {
                layer.Forward([], [data, label]);
                labels.AddRange(label.Data.ToArray());
                if (b == 0)
                {
                    Assert.That(data.Data[4], Is.EqualTo(17 * 0.5f), "sample 1 pixel 0, scaled");
                }
            }
            Assert.That(labels, Is.EqualTo(new float[] { 0, 1, 2, 3, 4, 0, 1, 2, 3 }));
            Assert.That(layer.Position, Is.EqualTo(9));
        }
    }

    [Test]
    public void Train_EachEpochIsAPermutation_AndEpochsDiffer()
    {
        string images = IdxTestFiles.WriteSet(_dir, "train", 12, 1, 1, 12);
        (DataLayer layer, Blob data, Blob label) = Make(images, Phase.Train, 4);
        using (layer)
        {
            var order = new List<float>();
            for (int b = 0; b < 6; b++)
            {
                layer.Forward([], [data, label]);
                order.AddRange(label.Data.ToArray());
            }
            float[] first = order.Take(12).ToArray(), second = order.Skip(12).ToArray();
            Assert.That(first.Order(), Is.EqualTo(Enumerable.Range(0, 12).Select(i => (float)i)));
            Assert.That(second.Order(), Is.EqualTo(Enumerable.Range(0, 12).Select(i => (float)i)));
            Assert.That(first, Is.Not.EqualTo(Enumerable.Range(0, 12).Select(i => (float)i)), "shuffled");
            Assert.That(second, Is.Not.EqualTo(first), "reshuffled each epoch");
        }
    }

    [Test]
    public void SameSeed_SameBatches_AndSeekReplays()
    {
        string images = IdxTestFiles.WriteSet(_dir, "train", 10, 4, 4, 3);
        const string transform = "transform_param { crop_size: 3 mirror: true }";
        float[] Run(DataLayer layer, Blob data, Blob label, int batches)
        {
            var all = new List<float>();
            for (int b = 0; b < batches; b++)
            {
                layer.Forward([], [data, label]);
                all.AddRange(data.Data.ToArray());
                all.AddRange(label.Data.ToArray());
            }
            return all.ToArray();
        }
        var a = Make(images, Phase.Train, 3, transform, seed: 9);
        var b = Make(images, Phase.Train, 3, transform, seed: 9);
        var c = Make(images, Phase.Train, 3, transform, seed: 10);
        using (a.Layer)
        using (b.Layer)
        using (c.Layer)
        {
            float[] runA = Run(a.Layer, a.Data, a.Label, 5);
            Assert.That(Run(b.Layer, b.Data, b.Label, 5), Is.EqualTo(runA));
            Assert.That(Run(c.Layer, c.Data, c.Label, 5), Is.Not.EqualTo(runA));

            // Seek back to batch 2 (position 6): the same three batches come again.
            a.Layer.Seek(6);
            float[] replay = Run(a.Layer, a.Data, a.Label, 3);
            int perBatch = 3 * 9 + 3;
            Assert.That(replay, Is.EqualTo(runA[(2 * perBatch)..]));
        }
    }

    [Test]
    public void TestPhase_CropsTheCentre()
    {
        string images = IdxTestFiles.WriteSet(_dir, "t10k", 2, 4, 4, 2);
        (DataLayer layer, Blob data, Blob label) = Make(images, Phase.Test, 1, "transform_param { crop_size: 2 mean_value: 1 }");
        using (layer)
        {
            layer.Forward([], [data, label]);
            // Sample 0 pixel p is 3p; the centre 2×2 window of a 4×4 image is rows 1–2, columns 1–2.
            Assert.That(data.Data.ToArray(), Is.EqualTo(new float[] { 15 - 1, 18 - 1, 27 - 1, 30 - 1 }));
        }
    }

    [Test]
    public void MissingSource_NamesLayerAndPackage()
    {
        string source = Path.Combine(_dir, "fashion", "train-images-idx3-ubyte.gz");
        var e = Assert.Throws<LayerException>(() => Make(source, Phase.Train, 2))!;
        Assert.That(e.Message, Does.Contain("'d'").And.Contain(source).And.Contain("dataset-fashion-mnist"));
    }
}
