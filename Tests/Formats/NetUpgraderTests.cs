using Engine.Formats;
using Engine.Proto;
using NUnit.Framework;
using LayerType = Engine.Proto.V1LayerParameter.Types.LayerType;

namespace Engine.Tests.Formats;

public class NetUpgraderTests
{
    private static readonly HashSet<string> RegisteredV2Types =
    [
        "Accuracy", "ArgMax", "BatchNorm", "Bias", "Clip", "Concat", "ContrastiveLoss", "Convolution", "Crop", "Data",
        "Deconvolution", "Dropout", "DummyData", "ELU", "Eltwise", "Embed", "EuclideanLoss", "Exp", "Flatten", "HDF5Data",
        "HDF5Output", "HingeLoss", "ImageData", "InfogainLoss", "InnerProduct", "Input", "LRN", "LSTM", "LSTMUnit", "Log",
        "MVN", "MemoryData", "MultinomialLogisticLoss", "Parameter", "Pooling", "Power", "PReLU", "Python", "RNN",
        "Reduction", "ReLU", "Reshape", "Scale", "Sigmoid", "SigmoidCrossEntropyLoss", "Silence", "Slice", "Softmax",
        "SoftmaxWithLoss", "Split", "SPP", "Swish", "TanH", "Threshold", "Tile", "WindowData", "AbsVal", "BNLL",
    ];

    [Test]
    public void EveryV1EnumValueHasAV2Name()
    {
        foreach (LayerType type in Enum.GetValues<LayerType>())
        {
            string name = LegacyLayerTypes.V1ToV2(type);
            if (type == LayerType.None)
            {
                Assert.That(name, Is.Empty);
            }
            else if (type == LayerType.Im2Col)
            {
                Assert.That(name, Is.EqualTo("Im2col"));
            }
            else
            {
                Assert.That(RegisteredV2Types, Does.Contain(name), type.ToString());
            }
        }

        Assert.That(Enum.GetValues<LayerType>(), Has.Length.EqualTo(40));
        Assert.That(LegacyLayerTypes.V1ToV2(LayerType.SoftmaxLoss), Is.EqualTo("SoftmaxWithLoss"));
        Assert.That(LegacyLayerTypes.V1ToV2(LayerType.Hdf5Data), Is.EqualTo("HDF5Data"));
        Assert.Throws<NetDefinitionException>(() => LegacyLayerTypes.V1ToV2((LayerType)99));
    }

    [Test]
    public void EveryV0TypeNameMapsToADistinctV1Type()
    {
        var mapped = LegacyLayerTypes.V0TypeNames.Select(n => LegacyLayerTypes.V0ToV1(n)).ToList();
        Assert.That(mapped, Has.All.Not.Null);
        Assert.That(mapped.Distinct().Count(), Is.EqualTo(24));
        Assert.That(LegacyLayerTypes.V0ToV1("conv"), Is.EqualTo(LayerType.Convolution));
        Assert.That(LegacyLayerTypes.V0ToV1("images"), Is.EqualTo(LayerType.ImageData));
        Assert.That(LegacyLayerTypes.V0ToV1("padding"), Is.Null);
        Assert.That(LegacyLayerTypes.V0ToV1("Conv"), Is.Null);
    }

    [Test]
    public void V0NetIsUpgradedWithPaddingFolded()
    {
        var warnings = new List<string>();
        var net = NetDefinitions.LoadNet(FormatsFixtures.PathOf("lenet_v0.prototxt"), warnings);
        Assert.That(warnings, Is.Empty);
        Assert.That(net.Name, Is.EqualTo("TinyV0"));
        Assert.That(net.Input, Is.Empty);
        Assert.That(net.Layers, Is.Empty);
        Assert.That(net.Layer.Select(l => l.Name), Is.EqualTo(new[] { "input", "conv1", "pool1", "relu1", "norm1", "fc", "drop", "prob" }));
        Assert.That(net.Layer.Select(l => l.Type), Is.EqualTo(new[] { "Input", "Convolution", "Pooling", "ReLU", "LRN", "InnerProduct", "Dropout", "Softmax" }));

        var input = net.Layer[0];
        Assert.That(input.Top, Is.EqualTo(new[] { "data" }));
        Assert.That(input.InputParam.Shape.Single().Dim, Is.EqualTo(new long[] { 1, 1, 28, 28 }));

        var conv = net.Layer[1];
        Assert.That(conv.Bottom, Is.EqualTo(new[] { "data" }), "padding layer's input feeds the conv directly");
        Assert.That(conv.ConvolutionParam.Pad, Is.EqualTo(new uint[] { 2 }));
        Assert.That(conv.ConvolutionParam.NumOutput, Is.EqualTo(8u));
        Assert.That(conv.ConvolutionParam.KernelSize, Is.EqualTo(new uint[] { 5 }));
        Assert.That(conv.ConvolutionParam.Stride, Is.EqualTo(new uint[] { 1 }));
        Assert.That(conv.ConvolutionParam.HasBiasTerm && !conv.ConvolutionParam.BiasTerm, Is.True);
        Assert.That(conv.ConvolutionParam.WeightFiller.Std, Is.EqualTo(0.01f));
        Assert.That(conv.Param.Select(p => (p.LrMult, p.DecayMult)), Is.EqualTo(new[] { (1f, 1f) }));

        var pool = net.Layer[2].PoolingParam;
        Assert.That((pool.Pool, pool.KernelSize, pool.Stride), Is.EqualTo((PoolingParameter.Types.PoolMethod.Ave, 2u, 2u)));
        Assert.That(pool.HasPad, Is.False);

        var lrn = net.Layer[4].LrnParam;
        Assert.That((lrn.LocalSize, lrn.Alpha, lrn.Beta), Is.EqualTo((3u, 0.00005f, 0.75f)));

        var fc = net.Layer[5];
        Assert.That(fc.InnerProductParam.NumOutput, Is.EqualTo(10u));
        Assert.That(fc.Param.Select(p => (p.LrMult, p.DecayMult)), Is.EqualTo(new[] { (1f, 1f), (2f, 0f) }));
        Assert.That(net.Layer[6].DropoutParam.DropoutRatio, Is.EqualTo(0.3f));
        Assert.That(NetUpgrader.Upgrade(net), Is.False, "an upgraded net needs no further upgrade");
    }

    [Test]
    public void V0TransformFieldsGoToTransformParamAndMisplacedFieldsWarn()
    {
        const string text = """
            layers { layer { name: "d" type: "data" source: "db" batchsize: 32 meanfile: "m.binaryproto" cropsize: 20 mirror: true scale: 0.5 rand_skip: 3 } top: "data" top: "label" }
            layers { layer { name: "r" type: "relu" num_output: 3 } bottom: "data" top: "r" }
            layers { layer { name: "w" type: "window_data" source: "w.txt" det_fg_threshold: 0.6 det_crop_mode: "square" det_context_pad: 16 } top: "x" top: "y" }
            layers { layer { name: "i" type: "images" source: "list.txt" shuffle_images: true new_height: 32 new_width: 40 } top: "a" top: "b" }
            layers { layer { name: "c" type: "concat" concat_dim: 2 } bottom: "a" bottom: "x" top: "cat" }
            """;
        var warnings = new List<string>();
        var net = NetDefinitions.ParseNet(text, "v0.prototxt", warnings);
        var data = net.Layer[0];
        Assert.That((data.DataParam.Source, data.DataParam.BatchSize, data.DataParam.RandSkip), Is.EqualTo(("db", 32u, 3u)));
        Assert.That(data.DataParam.HasMeanFile || data.DataParam.HasCropSize || data.DataParam.HasMirror || data.DataParam.HasScale, Is.False);
        var t = data.TransformParam;
        Assert.That((t.MeanFile, t.CropSize, t.Mirror, t.Scale), Is.EqualTo(("m.binaryproto", 20u, true, 0.5f)));
        Assert.That(net.Layer[1].ConvolutionParam, Is.Null);
        Assert.That(net.Layer[1].InnerProductParam, Is.Null);
        Assert.That(warnings, Has.Some.Contains("num_output").And.Some.Contains("'r'"));
        var window = net.Layer[2].WindowDataParam;
        Assert.That((window.Source, window.FgThreshold, window.CropMode, window.ContextPad), Is.EqualTo(("w.txt", 0.6f, "square", 16u)));
        var images = net.Layer[3].ImageDataParam;
        Assert.That((images.Source, images.Shuffle, images.NewHeight, images.NewWidth), Is.EqualTo(("list.txt", true, 32u, 40u)));
        Assert.That(net.Layer[4].ConcatParam.ConcatDim, Is.EqualTo(2u));
    }

    [Test]
    public void V0UnknownTypeAndUnknownBottomAreErrors()
    {
        var ex = Assert.Throws<NetDefinitionException>(() => NetDefinitions.ParseNet("layers { layer { name: 'x' type: 'magic' } }", "v0.txt"))!;
        Assert.That(ex.Message, Does.StartWith("v0.txt: V0 upgrade: unknown layer type 'magic' of layer 'x'"));
        var ex2 = Assert.Throws<NetDefinitionException>(() => NetDefinitions.ParseNet("layers { layer { name: 'x' type: 'relu' } bottom: 'nowhere' top: 'y' }"))!;
        Assert.That(ex2.Message, Does.Contain("unknown bottom blob 'nowhere' of layer 'x'"));
    }

    [Test]
    public void V0PaddingIntoNonConvolutionIsAnError()
    {
        const string text = "input: 'd' input_dim: 1 input_dim: 1 input_dim: 4 input_dim: 4 " +
            "layers { layer { name: 'p' type: 'padding' pad: 1 } bottom: 'd' top: 'p' } " +
            "layers { layer { name: 'r' type: 'relu' } bottom: 'p' top: 'r' }";
        var ex = Assert.Throws<NetDefinitionException>(() => NetDefinitions.ParseNet(text))!;
        Assert.That(ex.Message, Does.Contain("padding layer 'p' feeds layer 'r'"));
    }

    [Test]
    public void V1NetIsUpgradedToV2()
    {
        var warnings = new List<string>();
        var net = NetDefinitions.LoadNet(FormatsFixtures.PathOf("alexnet_v1.prototxt"), warnings);
        Assert.That(warnings, Is.Empty);
        Assert.That(net.Layers, Is.Empty);
        Assert.That(net.Layer.Select(l => l.Type), Is.EqualTo(new[]
        {
            "Data", "Data", "Convolution", "ReLU", "LRN", "Pooling", "Convolution", "ReLU", "InnerProduct", "ReLU",
            "Dropout", "InnerProduct", "Accuracy", "SoftmaxWithLoss",
        }));

        var train = net.Layer[0];
        Assert.That(train.Include.Single().Phase, Is.EqualTo(Phase.Train));
        Assert.That((train.TransformParam.CropSize, train.TransformParam.MeanFile, train.TransformParam.Mirror),
            Is.EqualTo((227u, "data/imagenet_mean.binaryproto", true)));
        Assert.That(train.DataParam.HasCropSize || train.DataParam.HasMeanFile || train.DataParam.HasMirror, Is.False);
        Assert.That(train.DataParam.BatchSize, Is.EqualTo(256u));
        Assert.That(net.Layer[1].TransformParam.HasMirror, Is.True, "explicit mirror: false is moved too");

        var conv2 = net.Layer[6];
        Assert.That(conv2.Param.Select(p => (p.LrMult, p.DecayMult)), Is.EqualTo(new[] { (1f, 1f), (2f, 0f) }));
        Assert.That(conv2.ConvolutionParam.Group, Is.EqualTo(2u));
        Assert.That(conv2.ConvolutionParam.BiasFiller.Value, Is.EqualTo(0.1f));
        Assert.That(net.Layer[12].Include.Single().Phase, Is.EqualTo(Phase.Test));
    }

    [Test]
    public void V1ParamArraysBecomeParamSpecs()
    {
        const string text = """
            layers {
              name: "ip" type: INNER_PRODUCT bottom: "x" top: "y"
              param: "w" param: "b" blob_share_mode: PERMISSIVE
              blobs_lr: 1 blobs_lr: 2 blobs_lr: 3
              weight_decay: 0.5
              loss_weight: 2
              inner_product_param { num_output: 4 }
              exclude { stage: "deploy" }
            }
            layers { name: "n" type: NONE }
            """;
        var net = NetDefinitions.ParseNet(text);
        var ip = net.Layer[0];
        Assert.That(ip.Param, Has.Count.EqualTo(3));
        Assert.That((ip.Param[0].Name, ip.Param[0].ShareMode, ip.Param[0].LrMult, ip.Param[0].DecayMult),
            Is.EqualTo(("w", ParamSpec.Types.DimCheckMode.Permissive, 1f, 0.5f)));
        Assert.That((ip.Param[1].Name, ip.Param[1].HasShareMode, ip.Param[1].LrMult, ip.Param[1].HasDecayMult), Is.EqualTo(("b", false, 2f, false)));
        Assert.That((ip.Param[2].HasName, ip.Param[2].LrMult), Is.EqualTo((false, 3f)));
        Assert.That(ip.LossWeight, Is.EqualTo(new[] { 2f }));
        Assert.That(ip.Exclude.Single().Stage, Is.EqualTo(new[] { "deploy" }));
        Assert.That(ip.InnerProductParam.NumOutput, Is.EqualTo(4u));
        Assert.That(net.Layer[1].HasType && net.Layer[1].Type == "", Is.True);
    }

    [Test]
    public void LayerAndLayersTogetherAreRefused()
    {
        var ex = Assert.Throws<NetDefinitionException>(() =>
            NetDefinitions.ParseNet("layer { name: 'a' type: 'ReLU' } layers { name: 'b' type: RELU }", "mixed.prototxt"))!;
        Assert.That(ex.Message, Does.StartWith("mixed.prototxt: net definition has both 'layer'"));
    }

    [Test]
    public void LegacyInputShapeBecomesInputLayerAtPositionZero()
    {
        const string text = """
            input: "a" input_shape { dim: 2 dim: 3 }
            input: "b" input_shape { dim: 2 }
            layer { name: "e" type: "Eltwise" bottom: "a" bottom: "a" top: "c" }
            """;
        var net = NetDefinitions.ParseNet(text);
        Assert.That(net.Layer[0].Name, Is.EqualTo("input"));
        Assert.That(net.Layer[0].Type, Is.EqualTo("Input"));
        Assert.That(net.Layer[0].Top, Is.EqualTo(new[] { "a", "b" }));
        Assert.That(net.Layer[0].InputParam.Shape.Select(s => s.Dim.ToArray()), Is.EqualTo(new[] { new long[] { 2, 3 }, new long[] { 2 } }));
        Assert.That(net.Layer[1].Name, Is.EqualTo("e"));
        Assert.That(net.InputShape, Is.Empty);
    }

    [Test]
    public void InputNamesWithoutDimensionsAreDropped()
    {
        var net = NetDefinitions.ParseNet("input: 'data' layer { name: 'r' type: 'ReLU' bottom: 'data' top: 'r' }");
        Assert.That(net.Input, Is.Empty);
        Assert.That(net.Layer.Select(l => l.Name), Is.EqualTo(new[] { "r" }));
    }

    [Test]
    public void InputDimCountMismatchIsAnError()
    {
        var ex = Assert.Throws<NetDefinitionException>(() => NetDefinitions.ParseNet("input: 'data' input_dim: 1 input_dim: 3", "in.prototxt"))!;
        Assert.That(ex.Message, Is.EqualTo("in.prototxt: legacy net inputs: 1 input names but 2 input_dim values (need 4 per input)"));
    }

    [Test]
    public void BatchNormWithThreeParamsGetsZeroLearningRates()
    {
        const string text = """
            layer { name: "bn" type: "BatchNorm" bottom: "x" top: "x" param { lr_mult: 1 } param { lr_mult: 1 name: "keep" } param { decay_mult: 2 } }
            layer { name: "bn2" type: "BatchNorm" bottom: "x" top: "x" param { lr_mult: 1 } }
            """;
        var net = Prototxt.Parse<NetParameter>(text);
        Assert.That(NetUpgrader.Upgrade(net), Is.True);
        Assert.That(net.Layer[0].Param.Select(p => (p.LrMult, p.DecayMult)), Is.EqualTo(new[] { (0f, 0f), (0f, 0f), (0f, 0f) }));
        Assert.That(net.Layer[0].Param[1].Name, Is.EqualTo("keep"));
        Assert.That(net.Layer[1].Param[0].LrMult, Is.EqualTo(1f), "only the three-param legacy form is rewritten");
        Assert.That(NetUpgrader.Upgrade(net), Is.False);
    }

    [Test]
    public void CurrentNetNeedsNoUpgrade()
    {
        var net = NetDefinitions.LoadNet(FormatsFixtures.PathOf("lenet_train_test.prototxt"));
        var raw = Prototxt.ParseFile<NetParameter>(FormatsFixtures.PathOf("lenet_train_test.prototxt"));
        Assert.That(NetUpgrader.NeedsUpgrade(raw), Is.False);
        Assert.That(NetUpgrader.Upgrade(raw), Is.False);
        Assert.That(raw, Is.EqualTo(net));
    }
}
