using Engine.Formats;
using Engine.Proto;
using Google.Protobuf;
using NUnit.Framework;

namespace Engine.Tests.Formats;

public class PrototxtRoundTripTests
{
    private static IEnumerable<string> NetFiles() => FormatsFixtures.NetFiles;

    [TestCaseSource(nameof(NetFiles))]
    public void ParseWriteParseGivesAnEqualMessage(string file)
    {
        var original = Prototxt.ParseFile<NetParameter>(FormatsFixtures.PathOf(file));
        Assert.That(original.Layer.Count + original.Layers.Count, Is.GreaterThan(0));
        foreach (var order in new[] { PrototxtFieldOrder.FieldNumber, PrototxtFieldOrder.Declaration })
        {
            string text = Prototxt.Write(original, order);
            var again = Prototxt.Parse<NetParameter>(text, "written");
            Assert.That(again, Is.EqualTo(original), order.ToString());
            // Byte equality also covers presence of fields explicitly set to their default.
            Assert.That(again.ToByteArray(), Is.EqualTo(original.ToByteArray()), order.ToString());
            Assert.That(Prototxt.Write(again, order), Is.EqualTo(text), "writer output must be stable");
        }
    }

    [TestCaseSource(nameof(NetFiles))]
    public void UpgradedDefinitionsRoundTripToo(string file)
    {
        var net = NetDefinitions.LoadNet(FormatsFixtures.PathOf(file));
        Assert.That(net.Layers, Is.Empty);
        Assert.That(net.Layer.All(l => l.Type.Length > 0), Is.True);
        var again = Prototxt.Parse<NetParameter>(Prototxt.Write(net));
        Assert.That(again.ToByteArray(), Is.EqualTo(net.ToByteArray()));
    }

    [Test]
    public void WriterProducesCanonicalText()
    {
        var net = new NetParameter { Name = "n\t\"q\"" };
        var layer = new LayerParameter { Name = "c", Type = "Convolution" };
        layer.Bottom.Add("data");
        layer.Top.Add("c");
        layer.Include.Add(new NetStateRule { Phase = Phase.Test });
        layer.ConvolutionParam = new ConvolutionParameter { NumOutput = 3, BiasTerm = true };
        layer.ConvolutionParam.KernelSize.Add(3);
        layer.ConvolutionParam.WeightFiller = new FillerParameter { Type = "gaussian", Std = 0.01f };
        net.Layer.Add(layer);
        const string expectedByNumber =
            "name: \"n\\t\\\"q\\\"\"\n" +
            "layer {\n" +
            "  name: \"c\"\n" +
            "  type: \"Convolution\"\n" +
            "  bottom: \"data\"\n" +
            "  top: \"c\"\n" +
            "  include {\n" +
            "    phase: TEST\n" +
            "  }\n" +
            "  convolution_param {\n" +
            "    num_output: 3\n" +
            "    bias_term: true\n" +
            "    kernel_size: 3\n" +
            "    weight_filler {\n" +
            "      type: \"gaussian\"\n" +
            "      std: 0.01\n" +
            "    }\n" +
            "  }\n" +
            "}\n";
        Assert.That(Prototxt.Write(net), Is.EqualTo(expectedByNumber));
    }

    [Test]
    public void FieldOrderOptionChangesOnlyTheOrder()
    {
        var layer = new LayerParameter { Name = "x", Phase = Phase.Train };
        layer.Include.Add(new NetStateRule { Phase = Phase.Train });
        // phase (10) is declared before include (8) but numbered after it.
        Assert.That(Prototxt.Write(layer, PrototxtFieldOrder.FieldNumber), Is.EqualTo("name: \"x\"\ninclude {\n  phase: TRAIN\n}\nphase: TRAIN\n"));
        Assert.That(Prototxt.Write(layer, PrototxtFieldOrder.Declaration), Is.EqualTo("name: \"x\"\nphase: TRAIN\ninclude {\n  phase: TRAIN\n}\n"));
    }

    [TestCase(0.1f, "0.1")]
    [TestCase(1e-5f, "1e-05")]
    [TestCase(1f, "1")]
    [TestCase(-0.75f, "-0.75")]
    [TestCase(float.PositiveInfinity, "inf")]
    [TestCase(float.NegativeInfinity, "-inf")]
    [TestCase(float.NaN, "nan")]
    [TestCase(3.4028235e38f, "3.4028235e+38")]
    public void FloatsUseShortestRoundTripForm(float value, string expected)
    {
        string text = Prototxt.Write(new FillerParameter { Value = value });
        Assert.That(text, Is.EqualTo($"value: {expected}\n"));
        var back = Prototxt.Parse<FillerParameter>(text).Value;
        if (float.IsNaN(value))
        {
            Assert.That(float.IsNaN(back), Is.True);
        }
        else
        {
            Assert.That(BitConverter.SingleToInt32Bits(back), Is.EqualTo(BitConverter.SingleToInt32Bits(value)));
        }
    }

    [Test]
    public void RandomFloatsRoundTripBitExactly()
    {
        var random = new Random(1234);
        var blob = new BlobProto();
        for (int i = 0; i < 2000; i++)
        {
            float f = BitConverter.Int32BitsToSingle(random.Next());
            if (!float.IsNaN(f))
            {
                blob.Data.Add(random.Next(2) == 0 ? f : -f);
            }
        }

        blob.DoubleData.Add(0.1 + 0.2);
        blob.DoubleData.Add(double.Epsilon);
        var back = Prototxt.Parse<BlobProto>(Prototxt.Write(blob));
        Assert.That(back.ToByteArray(), Is.EqualTo(blob.ToByteArray()));
    }

    [Test]
    public void StringsWithControlAndNonAsciiCharactersRoundTrip()
    {
        var net = new NetParameter { Name = "tab\tnl\nbell\u0007quote'\"back\\ üñí 漢字 \U0001F600" };
        string text = Prototxt.Write(net);
        Assert.That(text, Does.Contain("\\007"));
        Assert.That(text, Does.Contain("漢字"));
        Assert.That(Prototxt.Parse<NetParameter>(text).Name, Is.EqualTo(net.Name));
        var datum = new Datum { Data = ByteString.CopyFrom(0, 1, 127, 128, 255, (byte)'a') };
        Assert.That(Prototxt.Parse<Datum>(Prototxt.Write(datum)).Data, Is.EqualTo(datum.Data));
    }

    [Test]
    public void ClassicFileConstructsAreUnderstood()
    {
        var cifar = Prototxt.ParseFile<NetParameter>(FormatsFixtures.PathOf("cifar10_quick_train_test.prototxt"));
        Assert.That(cifar.Name, Is.EqualTo("CifarQuickStyle"));
        Assert.That(cifar.Layer[0].Include[0].Phase, Is.EqualTo(Phase.Train));
        var conv2 = cifar.Layer.Single(l => l.Name == "conv2").ConvolutionParam;
        Assert.That(conv2.BiasFiller.HasValue, Is.True);
        Assert.That(conv2.BiasFiller.Value, Is.EqualTo(0f));
        Assert.That(cifar.Layer.Single(l => l.Name == "conv3").ConvolutionParam.WeightFiller.Std, Is.EqualTo(0.01f));
        Assert.That(cifar.Layer.Single(l => l.Name == "pool2").PoolingParam.Pool, Is.EqualTo(PoolingParameter.Types.PoolMethod.Ave));

        var siamese = Prototxt.ParseFile<NetParameter>(FormatsFixtures.PathOf("siamese.prototxt"));
        var shared = siamese.Layer.Where(l => l.Param.Count > 0 && l.Param[0].Name == "conv1_w").Select(l => l.Name);
        Assert.That(shared, Is.EqualTo(new[] { "conv1", "conv1_p" }));
        Assert.That(siamese.Layer.Single(l => l.Name == "conv1_p").Param[1].ShareMode, Is.EqualTo(ParamSpec.Types.DimCheckMode.Permissive));
    }
}
