using Engine.Editor;
using Engine.Editor.Commands;
using NUnit.Framework;

namespace Engine.Tests.Editor;

/// <summary>Every verb of the <c>engine</c> tool: success and failure exit codes, help, colour and parser behaviour.</summary>
public class CliVerbTests
{
    private const string TinyNet = """
        name: "tiny"
        layer { name: "data" type: "DummyData" top: "data" top: "label"
                dummy_data_param { shape { dim: 4 dim: 6 } shape { dim: 4 } data_filler { type: "gaussian" std: 1 } data_filler { type: "constant" value: 1 } } }
        layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param { num_output: 3 weight_filler { type: "xavier" } } }
        layer { name: "relu" type: "ReLU" bottom: "ip" top: "ip" }
        layer { name: "accuracy" type: "Accuracy" bottom: "ip" bottom: "label" top: "accuracy" include { phase: TEST } }
        layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
        """;

    private const string TinySolver = """
        net: "net.prototxt" test_iter: 1 test_interval: 2 base_lr: 0.05 lr_policy: "fixed"
        display: 2 max_iter: 4 snapshot_prefix: "snaps/tiny" random_seed: 1
        """;

    private static readonly string[] Verbs = ["train", "test", "time", "check", "upgrade", "layers", "device_query", "draw"];

    private TempDirectory _dir = null!;
    private string _net = "";
    private string _solver = "";

    [SetUp]
    public void SetUp()
    {
        _dir = new TempDirectory();
        _net = _dir.Write("net.prototxt", TinyNet);
        _solver = _dir.Write("solver.prototxt", TinySolver);
    }

    [TearDown]
    public void TearDown() => _dir.Dispose();

    [TestCaseSource(nameof(Verbs))]
    public void Help_ForEveryVerb_ShowsUsageWithAnExample(string verb)
    {
        (int code, string output, string errors) = CliRunner.Run(verb, "--help");
        Assert.That(code, Is.EqualTo(0), errors);
        Assert.That(output, Does.Contain($"engine {verb}").And.Contain("Example"));
    }

    [Test]
    public void Overview_ListsEveryVerb()
    {
        (int code, string output, _) = CliRunner.Run("--help");
        Assert.That(code, Is.EqualTo(0));
        foreach (string verb in Verbs)
        {
            Assert.That(output, Does.Contain(verb));
        }
        Assert.That(CliRunner.Run().Code, Is.EqualTo(1), "no verb at all is bad input");
    }

    [Test]
    public void UnknownVerb_SuggestsTheClosest()
    {
        (int code, _, string errors) = CliRunner.Run("trian", "--solver", _solver);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(errors, Does.Contain("unknown verb 'trian'").And.Contain("'train'"));
    }

    [Test]
    public void UnknownOption_IsOneLineNamingTheClosestOption()
    {
        (int code, _, string errors) = CliRunner.Run("draw", _net, Path.Combine(_dir.Path, "a.svg"), "--rankdri", "LR");
        Assert.That(code, Is.EqualTo(1));
        Assert.That(errors, Does.Contain("unknown option --rankdri").And.Contain("--rankdir"));
        Assert.That(errors.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
    }

    [Test]
    public void Train_RunsAFewIterations_PrintsProgressAndChart_ThenTestScoresTheModel()
    {
        (int code, string output, string errors) = CliRunner.Run("train", "--solver", _solver, "--no-color");
        Assert.That(code, Is.EqualTo(0), errors);
        Assert.That(output, Does.Contain("Progress: iteration 2/4").And.Contain("Progress: iteration 4/4").And.Not.Contain("Progress: iteration 3/4"));
        Assert.That(output, Does.Contain("Loss, iterations 1-4 (min ").And.Contain("Test accuracy, 3 tests (min "));
        Assert.That(output, Does.Not.Contain("\u001b["), "plain output has no ANSI escapes");
        string model = Path.Combine(_dir.Path, "snaps", "tiny_iter_4.caffemodel");
        Assert.That(File.Exists(model), Is.True, output);

        (code, output, errors) = CliRunner.Run("test", "--model", _net, "--weights", model, "--iterations", "2");
        Assert.That(code, Is.EqualTo(0), errors);
        Assert.That(output, Does.Contain("accuracy"));
    }

    [Test]
    public void Train_WithoutSolverOrWithAMissingOne_IsBadInput()
    {
        Assert.That(CliRunner.Run("train").Code, Is.EqualTo(1));
        (int code, _, string errors) = CliRunner.Run("train", "--solver", Path.Combine(_dir.Path, "nope.prototxt"));
        Assert.That(code, Is.EqualTo(1));
        Assert.That(errors, Does.Contain("nope.prototxt"));
    }

    [Test]
    public void Test_WithoutWeightsOrWithMissingWeights_IsBadInput()
    {
        Assert.That(CliRunner.Run("test", "--model", _net).Code, Is.EqualTo(1));
        (int code, _, string errors) = CliRunner.Run("test", "--model", _net, "--weights", Path.Combine(_dir.Path, "none.caffemodel"));
        Assert.That(code, Is.EqualTo(1));
        Assert.That(errors, Does.Contain("none.caffemodel"));
    }

    [Test]
    public void Time_SucceedsOnANet_AndFailsOnAMissingFile()
    {
        (int code, string output, string errors) = CliRunner.Run("time", _net, "--iterations", "2", "--threads", "1");
        Assert.That(code, Is.EqualTo(0), errors);
        Assert.That(output, Does.Contain("ip"));
        Assert.That(CliRunner.Run("time", Path.Combine(_dir.Path, "missing.prototxt")).Code, Is.EqualTo(1));
        Assert.That(CliRunner.Run("time", _net, "--iterations", "many").Code, Is.EqualTo(1));
    }

    [Test]
    public void Check_ValidNetIsZero_SyntaxErrorIsOneWithLineAndColumn()
    {
        Assert.That(CliRunner.Run("check", _net).Code, Is.EqualTo(0));
        string bad = _dir.Write("bad.prototxt", "name: \"x\"\nlayer { name: \"a\" type: \"ReLU\" bottom: \"d\" top: \"d\"\n");
        (int code, _, string errors) = CliRunner.Run("check", bad);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(errors, Does.Match(@"bad\.prototxt:\d+:\d+: "));
    }

    [Test]
    public void Upgrade_WritesTheNewFile_AndNeedsTwoNames()
    {
        string output = Path.Combine(_dir.Path, "upgraded.prototxt");
        (int code, _, string errors) = CliRunner.Run("upgrade", _net, output);
        Assert.That(code, Is.EqualTo(0), errors);
        Assert.That(File.ReadAllText(output), Does.Contain("InnerProduct"));
        Assert.That(CliRunner.Run("upgrade", _net).Code, Is.EqualTo(1));
    }

    [Test]
    public void Layers_ListsTypes_AndRejectsAStrayArgument()
    {
        (int code, string output, _) = CliRunner.Run("layers");
        Assert.That(code, Is.EqualTo(0));
        Assert.That(output, Does.Contain("Convolution").And.Contain("DummyData"));
        Assert.That(CliRunner.Run("layers", "extra").Code, Is.EqualTo(1));
    }

    [Test]
    public void DeviceQuery_ListsTheCpu_AndTakesNoArguments()
    {
        (int code, string output, string errors) = CliRunner.Run("device_query");
        Assert.That(code, Is.EqualTo(0), errors);
        Assert.That(output, Does.Contain("cpu"));
        Assert.That(CliRunner.Run("device_query", "extra").Code, Is.EqualTo(1));
    }

    [Test]
    public void Draw_Svg_ContainsEveryLayerName()
    {
        string svg = Path.Combine(_dir.Path, "net.svg");
        (int code, _, string errors) = CliRunner.Run("draw", _net, svg);
        Assert.That(code, Is.EqualTo(0), errors);
        string text = File.ReadAllText(svg);
        Assert.That(text, Does.StartWith("<svg"));
        foreach (string layer in new[] { "data", "ip", "loss" })
        {
            Assert.That(text, Does.Contain($">{layer}"), layer);
        }
        Assert.That(text, Does.Contain("ReLU (relu)"), "the in-place ReLU is stacked in its producer's box");
    }

    [Test]
    public void Draw_Png_HasThePngSignature()
    {
        string png = Path.Combine(_dir.Path, "net.png");
        (int code, _, string errors) = CliRunner.Run("draw", _net, png, "--rankdir", "LR");
        Assert.That(code, Is.EqualTo(0), errors);
        byte[] bytes = File.ReadAllBytes(png);
        Assert.That(bytes.Take(8), Is.EqualTo(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }));
        Assert.That(bytes.Length, Is.GreaterThan(1000));
    }

    [Test]
    public void Draw_Dot_HasEveryLayerAndBlobEdge_InTheTestPhase()
    {
        string dot = Path.Combine(_dir.Path, "net.dot");
        (int code, _, string errors) = CliRunner.Run("draw", _net, dot, "--phase", "test");
        Assert.That(code, Is.EqualTo(0), errors);
        string text = File.ReadAllText(dot);
        Assert.That(text, Does.StartWith("digraph \"tiny\"").And.Contain("accuracy\\l").And.Contain("[label=\"label\"]"));
    }

    [Test]
    public void Draw_BadExtension_MissingFile_BadOption_AreBadInput()
    {
        (int code, _, string errors) = CliRunner.Run("draw", _net, Path.Combine(_dir.Path, "net.jpg"));
        Assert.That(code, Is.EqualTo(1));
        Assert.That(errors, Does.Contain(".jpg"));
        (code, _, errors) = CliRunner.Run("draw", Path.Combine(_dir.Path, "missing.prototxt"), Path.Combine(_dir.Path, "a.svg"));
        Assert.That(code, Is.EqualTo(1));
        Assert.That(errors, Does.Contain("missing.prototxt"));
        Assert.That(CliRunner.Run("draw", _net, Path.Combine(_dir.Path, "a.svg"), "--rankdir", "RL").Code, Is.EqualTo(1));
        Assert.That(CliRunner.Run("draw", _net).Code, Is.EqualTo(1));
    }

    [Test]
    public void NoColor_OutputHasNoAnsiEscapes()
    {
        foreach (string[] args in new[] { new[] { "--no-color", "--help" }, new[] { "layers", "--no-color" }, new[] { "check", _net, "--no-color" } })
        {
            (int code, string output, string errors) = CliRunner.Run(args);
            Assert.That(code, Is.EqualTo(0), errors);
            Assert.That(output + errors, Does.Not.Contain("\u001b["), string.Join(' ', args));
        }
    }

    [Test]
    public void PlainVerb_WithoutDeclaredOptions_GetsItsTokensUnchanged_AndAnExceptionIsExitCodeTwo()
    {
        var echo = new EchoCommand();
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Program.Run(["echo", "--anything", "x", "-y", "--no-color"], stdout, stderr, [echo]);
        Assert.That(code, Is.EqualTo(0), stderr.ToString());
        Assert.That(stdout.ToString().Trim(), Is.EqualTo("--anything|x|-y"));

        code = Program.Run(["echo", "crash"], stdout, stderr, [echo]);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr.ToString(), Does.Contain("internal error"));
        var help = new StringWriter();
        Assert.That(Program.Run(["echo", "--help"], help, stderr, [echo]), Is.EqualTo(0));
        Assert.That(help.ToString(), Does.StartWith("Usage: engine echo").And.Contain("Example"), "--help prints the usage instead of running the verb");
    }

    private sealed class EchoCommand : ICliCommand
    {
        public string Name => "echo";

        public string Summary => "Echo the arguments.";

        public string Usage => "Usage: engine echo ARGS...\n\nExample:\n  engine echo a b";

        public int Run(string[] args, TextWriter stdout, TextWriter stderr)
        {
            if (args is ["crash"])
            {
                throw new InvalidOperationException("boom");
            }
            stdout.WriteLine(string.Join('|', args));
            return 0;
        }
    }
}
