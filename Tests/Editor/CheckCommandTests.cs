using System.Text.RegularExpressions;
using NUnit.Framework;

namespace Engine.Tests.Editor;

[TestFixture]
public sealed class CheckCommandTests
{
    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    /// <summary>The shape printed for top <paramref name="blob"/> in a check table (null when absent).</summary>
    internal static string? TopShape(string output, string blob)
    {
        Match m = Regex.Match(output, $@"(?<=\s|,){Regex.Escape(blob)} ([0-9?×]+|scalar)(?=,|\s|$)", RegexOptions.Multiline);
        return m.Success ? m.Groups[1].Value : null;
    }

    /// <summary>The parameter count printed in the row of layer <paramref name="layer"/>.</summary>
    private static string ParamsOf(string output, string layer)
    {
        string row = output.Split('\n').Single(l => l.TrimStart().StartsWith(layer + " ", StringComparison.Ordinal));
        string[] cells = row.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return cells[^2];
    }

    [Test]
    public void ValidNet_ExitsZero_AndPrintsShapesAndParameterCounts()
    {
        string net = _dir.Write("mlp.prototxt", CheckNets.Mlp);

        var (code, output, errors) = CliRunner.Run("check", net);

        Assert.That(code, Is.EqualTo(0), errors);
        Assert.That(errors, Is.Empty);
        Assert.That(TopShape(output, "data"), Is.EqualTo("32×1×28×28"));
        Assert.That(TopShape(output, "ip1"), Is.EqualTo("32×100"));
        Assert.That(TopShape(output, "ip2"), Is.EqualTo("32×10"));
        Assert.That(TopShape(output, "loss"), Is.EqualTo("scalar"));
        Assert.That(ParamsOf(output, "ip1"), Is.EqualTo((28 * 28 * 100 + 100).ToString()));
        Assert.That(ParamsOf(output, "ip2"), Is.EqualTo((100 * 10 + 10).ToString()));
        long total = 28 * 28 * 100 + 100 + 100 * 10 + 10;
        Assert.That(output, Does.Contain($"{total} parameters"));
    }

    [Test]
    public void LeNet_PrintsCaffeShapesLayerByLayer()
    {
        string net = _dir.Write("lenet.prototxt", CheckNets.LeNet(CheckNets.LeNetInput));

        var (code, output, errors) = CliRunner.Run("check", net);

        Assert.That(code, Is.EqualTo(0), errors);
        Assert.That(TopShape(output, "data"), Is.EqualTo("64×1×28×28"));
        Assert.That(TopShape(output, "conv1"), Is.EqualTo("64×20×24×24"));
        Assert.That(TopShape(output, "pool1"), Is.EqualTo("64×20×12×12"));
        Assert.That(TopShape(output, "conv2"), Is.EqualTo("64×50×8×8"));
        Assert.That(TopShape(output, "pool2"), Is.EqualTo("64×50×4×4"));
        Assert.That(TopShape(output, "ip1"), Is.EqualTo("64×500"));
        Assert.That(TopShape(output, "ip2"), Is.EqualTo("64×10"));
        Assert.That(ParamsOf(output, "conv1"), Is.EqualTo((20 * 1 * 5 * 5 + 20).ToString()));
        Assert.That(ParamsOf(output, "conv2"), Is.EqualTo((50 * 20 * 5 * 5 + 50).ToString()));
    }

    [TestCase("", "3×3")]
    [TestCase("round_mode: CEIL", "3×3")]
    [TestCase("round_mode: FLOOR", "2×2")]
    public void Pooling_WindowOverhang_FollowsRoundMode(string roundMode, string spatial)
    {
        string net = _dir.Write("pool.prototxt", $$"""
            layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 1 dim: 1 dim: 6 dim: 6 } } }
            layer { name: "pool" type: "Pooling" bottom: "x" top: "y" pooling_param { pool: MAX kernel_size: 3 stride: 2 {{roundMode}} } }
            """);

        var (code, output, errors) = CliRunner.Run("check", net);

        Assert.That(code, Is.EqualTo(0), errors);
        Assert.That(TopShape(output, "y"), Is.EqualTo("1×1×" + spatial));
    }

    [Test]
    public void MalformedPrototxt_ReportsFileLineAndColumn()
    {
        string net = _dir.Write("bad.prototxt", "name: \"x\"\nlayer {\n  name: \"a\"\n  type \"Input\"\n}\n");

        var (code, output, errors) = CliRunner.Run("check", net);

        Assert.That(code, Is.EqualTo(1));
        Assert.That(output, Is.Empty);
        Assert.That(errors.TrimEnd(), Does.StartWith($"{net}:4:8: "));
        Assert.That(errors.TrimEnd().Split('\n'), Has.Length.EqualTo(1), "one line, no stack trace");
    }

    [Test]
    public void UnknownField_IsAnErrorAtTheField_WithASuggestion()
    {
        string net = _dir.Write("typo.prototxt", "name: \"x\"\nlayer {\n  nmae: \"a\"\n  type: \"Input\"\n}\n");

        var (code, _, errors) = CliRunner.Run("check", net);

        Assert.That(code, Is.EqualTo(1));
        Assert.That(errors, Does.StartWith($"{net}:3:3: "));
        Assert.That(errors, Does.Contain("nmae").And.Contain("'name'"));
    }

    [Test]
    public void LayerError_IsPlacedAtTheLayersName()
    {
        string net = _dir.Write("zero.prototxt", CheckNets.Mlp.Replace("num_output: 10 }", "num_output: 0 }", StringComparison.Ordinal));
        int line = 1 + File.ReadAllLines(net).ToList().FindIndex(l => l.Contains("name: \"ip2\"", StringComparison.Ordinal));

        var (code, _, errors) = CliRunner.Run("check", net);

        Assert.That(code, Is.EqualTo(1));
        Assert.That(errors, Does.Match($@"^{Regex.Escape(net)}:{line}:\d+: Layer 'ip2' \(InnerProduct\): .*num_output"));
    }

    [Test]
    public void UnknownFillerType_IsAnErrorAtTheLayer_EvenThoughNothingIsFilled()
    {
        string net = _dir.Write("filler.prototxt", CheckNets.Mlp.Replace("\"xavier\"", "\"xavierr\"", StringComparison.Ordinal));
        int line = 1 + File.ReadAllLines(net).ToList().FindIndex(l => l.Contains("name: \"ip1\"", StringComparison.Ordinal));

        var (code, _, errors) = CliRunner.Run("check", net);

        Assert.That(code, Is.EqualTo(1));
        Assert.That(errors, Does.StartWith($"{net}:{line}:3: ").And.Contain("xavierr"));
    }

    [Test]
    public void UnknownLayerType_IsAnError()
    {
        string net = _dir.Write("type.prototxt", CheckNets.Mlp.Replace("type: \"ReLU\"", "type: \"RelU\"", StringComparison.Ordinal));

        var (code, _, errors) = CliRunner.Run("check", net);

        Assert.That(code, Is.EqualTo(1));
        Assert.That(errors, Does.Contain("unknown layer type 'RelU'").And.Contain("ReLU"));
    }

    [Test]
    public void MissingFile_IsAnError()
    {
        var (code, _, errors) = CliRunner.Run("check", Path.Combine(_dir.Path, "absent.prototxt"));

        Assert.That(code, Is.EqualTo(1));
        Assert.That(errors, Does.Contain("absent.prototxt: file not found"));
    }

    [Test]
    public void BadOptions_AreErrors()
    {
        string net = _dir.Write("mlp.prototxt", CheckNets.Mlp);

        Assert.That(CliRunner.Run("check", net, "--phase", "validate").Code, Is.EqualTo(1));
        Assert.That(CliRunner.Run("check", net, "--phse", "train").Err, Does.Contain("--phase"));
        Assert.That(CliRunner.Run("check").Code, Is.EqualTo(1));
    }

    [Test]
    public void MissingDataSource_IsAWarning_WithUnknownAxes()
    {
        string train = _dir.Write("train.prototxt", CheckNets.MissingData + CheckNets.MlpBody);

        var (code, output, errors) = CliRunner.Run("check", train);

        Assert.That(code, Is.EqualTo(0), errors);
        Assert.That(errors, Does.Contain("warning").And.Contain("'mnist'").And.Contain("no/such/dir/mnist_train_lmdb"));
        Assert.That(TopShape(output, "data"), Is.EqualTo("64×?×?×?"));
        Assert.That(TopShape(output, "label"), Is.EqualTo("64"));
        Assert.That(TopShape(output, "ip1"), Is.EqualTo("64×100"), "known axes survive the unknown ones");
        Assert.That(ParamsOf(output, "ip1"), Is.EqualTo("?"), "the weights depend on the unknown sample size");
        Assert.That(ParamsOf(output, "ip2"), Is.EqualTo((100 * 10 + 10).ToString()));
    }

    [Test]
    public void MissingDataSource_WithStrict_IsAnError()
    {
        string train = _dir.Write("train.prototxt", CheckNets.MissingData + CheckNets.MlpBody);

        var (code, output, errors) = CliRunner.Run("check", train, "--strict");

        Assert.That(code, Is.EqualTo(1));
        Assert.That(output, Is.Empty);
        Assert.That(errors, Does.StartWith($"{train}: layer 'mnist' (Data): data source 'no/such/dir/mnist_train_lmdb' not found"));
    }

    [Test]
    public void LeNet_WithMissingDataSource_KeepsTheKnownAxes()
    {
        string net = _dir.Write("lenet.prototxt", CheckNets.LeNet(CheckNets.MissingData));

        var (code, output, errors) = CliRunner.Run("check", net);

        Assert.That(code, Is.EqualTo(0), errors);
        Assert.That(TopShape(output, "conv1"), Is.EqualTo("64×20×?×?"));
        Assert.That(TopShape(output, "pool2"), Is.EqualTo("64×50×?×?"));
        Assert.That(TopShape(output, "ip1"), Is.EqualTo("64×500"));
        Assert.That(ParamsOf(output, "conv2"), Is.EqualTo((50 * 20 * 5 * 5 + 50).ToString()));
    }

    [Test]
    public void PhaseOption_SelectsTheLayersOfThatPhase()
    {
        string net = _dir.Write("phases.prototxt", """
            layer { name: "a" type: "Input" top: "x" include { phase: TRAIN } input_param { shape { dim: 8 dim: 3 } } }
            layer { name: "b" type: "Input" top: "x" include { phase: TEST } input_param { shape { dim: 2 dim: 3 } } }
            layer { name: "y" type: "InnerProduct" bottom: "x" top: "y" inner_product_param { num_output: 4 } include { stage: "deploy" } }
            """);

        Assert.That(TopShape(CliRunner.Run("check", net, "--phase", "train").Out, "x"), Is.EqualTo("8×3"));
        Assert.That(TopShape(CliRunner.Run("check", net, "--phase", "test").Out, "x"), Is.EqualTo("2×3"));
        Assert.That(TopShape(CliRunner.Run("check", net).Out, "x"), Is.EqualTo("2×3"), "TEST when the definition sets no state");
        Assert.That(TopShape(CliRunner.Run("check", net).Out, "y"), Is.Null);
        Assert.That(TopShape(CliRunner.Run("check", net, "--stage", "deploy").Out, "y"), Is.EqualTo("2×4"));
    }

    [Test]
    public void MissingDataSource_DoesNotHideAParameterError()
    {
        string train = _dir.Write("train.prototxt", CheckNets.MissingData + CheckNets.MlpBody.Replace("num_output: 100", "num_output: 0", StringComparison.Ordinal));

        var (code, _, errors) = CliRunner.Run("check", train);

        Assert.That(code, Is.EqualTo(1));
        Assert.That(errors, Does.Contain("Layer 'ip1' (InnerProduct)").And.Contain("num_output"));
    }

    [Test]
    public void MissingDataSource_LayerThatOnlyFailsOnGuessedShapes_IsSkippedWithAWarning()
    {
        string reshape = """
            layer { name: "flat" type: "Reshape" bottom: "data" top: "flat" reshape_param { shape { dim: 64 dim: 784 } } }
            layer { name: "ip" type: "InnerProduct" bottom: "flat" top: "ip" inner_product_param { num_output: 10 } }
            layer { name: "labels" type: "InnerProduct" bottom: "label" top: "l" inner_product_param { num_output: 2 axis: 0 } }
            """;
        string train = _dir.Write("train.prototxt", CheckNets.MissingData + reshape);

        var (code, output, errors) = CliRunner.Run("check", train);

        Assert.That(code, Is.EqualTo(0), errors);
        Assert.That(errors, Does.Contain("layer 'flat'").And.Contain("not checked"));
        Assert.That(TopShape(output, "data"), Is.EqualTo("64×?×?×?"));
        Assert.That(TopShape(output, "l"), Is.EqualTo("2"), "independent layers are still checked");
        Assert.That(TopShape(output, "ip"), Is.Null, "layers after the skipped one are left out");
    }

    /// <summary>Writes an IDX file of unsigned bytes with the given dimensions (big-endian header, as MNIST).</summary>
    private static void WriteIdx(string path, int[] dims)
    {
        using var stream = File.Create(path);
        stream.Write([0, 0, 0x08, (byte)dims.Length]);
        foreach (int d in dims)
        {
            stream.Write([(byte)(d >> 24), (byte)(d >> 16), (byte)(d >> 8), (byte)d]);
        }
        int count = dims.Aggregate(1, (a, d) => a * d);
        stream.Write(Enumerable.Range(0, count).Select(i => (byte)(i % 7)).ToArray());
    }

    [Test]
    public void ExistingDataSource_GivesTheRealShapes_WithoutWarnings()
    {
        string images = Path.Combine(_dir.Path, "train-images-idx3-ubyte");
        WriteIdx(images, [6, 5, 7]);
        WriteIdx(Path.Combine(_dir.Path, "train-labels-idx1-ubyte"), [6]);
        string net = _dir.Write("net.prototxt", CheckNets.MissingData.Replace("no/such/dir/mnist_train_lmdb", images, StringComparison.Ordinal)
            .Replace("batch_size: 64", "batch_size: 4", StringComparison.Ordinal).Replace(" backend: LMDB", "", StringComparison.Ordinal));

        var (code, output, errors) = CliRunner.Run("check", net, "--strict");

        Assert.That(code, Is.EqualTo(0), errors);
        Assert.That(errors, Is.Empty);
        Assert.That(TopShape(output, "data"), Is.EqualTo("4×1×5×7"));
        Assert.That(TopShape(output, "label"), Is.EqualTo("4"));
    }

    [Test]
    public void LevelAndRepeatedStageOptions_AreAllApplied()
    {
        string net = _dir.Write("stages.prototxt", """
            layer { name: "a" type: "Input" top: "x" input_param { shape { dim: 2 dim: 3 } } }
            layer { name: "both" type: "ReLU" bottom: "x" top: "both" include { stage: "s1" stage: "s2" } }
            layer { name: "deep" type: "ReLU" bottom: "x" top: "deep" include { min_level: 2 } }
            """);

        Assert.That(TopShape(CliRunner.Run("check", net, "--stage", "s1").Out, "both"), Is.Null);
        Assert.That(TopShape(CliRunner.Run("check", net, "--stage", "s1", "--stage", "s2").Out, "both"), Is.EqualTo("2×3"));
        Assert.That(TopShape(CliRunner.Run("check", net, "--level", "1").Out, "deep"), Is.Null);
        Assert.That(TopShape(CliRunner.Run("check", net, "--level", "2").Out, "deep"), Is.EqualTo("2×3"));
        Assert.That(CliRunner.Run("check", net, "--level", "two").Code, Is.EqualTo(1));
    }

    [Test]
    public void MissingDataSource_SharingThatOnlyFailsOnGuessedChannels_IsSkippedWithAWarning()
    {
        // Siamese style: the pair's channels are sliced apart and both halves share conv weights; with the real
        // two-channel data the halves match, with a guessed channel count they cannot.
        string siamese = """
            layer { name: "slice" type: "Slice" bottom: "data" top: "a" top: "b" slice_param { slice_point: 1 } }
            layer { name: "conv_a" type: "Convolution" bottom: "a" top: "ca" param { name: "w" } param { name: "bias" }
                    convolution_param { num_output: 4 kernel_size: 3 } }
            layer { name: "conv_b" type: "Convolution" bottom: "b" top: "cb" param { name: "w" } param { name: "bias" }
                    convolution_param { num_output: 4 kernel_size: 3 } }
            """;
        string train = _dir.Write("train.prototxt", CheckNets.MissingData + siamese);

        var (code, output, errors) = CliRunner.Run("check", train);

        Assert.That(code, Is.EqualTo(0), errors);
        Assert.That(errors, Does.Contain("layer 'conv_b'").And.Contain("not checked"));
        Assert.That(TopShape(output, "ca"), Is.EqualTo("64×4×?×?"));
    }
}
