using NUnit.Framework;

namespace Engine.Tests.Editor;

public class TimeCommandTests
{
    private const string Mlp = """
        name: "mlp"
        layer { name: "data" type: "Input" top: "data" top: "label" input_param { shape { dim: 8 dim: 16 } shape { dim: 8 } } }
        layer { name: "ip1" type: "InnerProduct" bottom: "data" top: "ip1" inner_product_param { num_output: 32 weight_filler { type: "xavier" } } }
        layer { name: "relu1" type: "ReLU" bottom: "ip1" top: "ip1" }
        layer { name: "ip2" type: "InnerProduct" bottom: "ip1" top: "ip2" inner_product_param { num_output: 4 weight_filler { type: "xavier" } } }
        layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip2" bottom: "label" top: "loss" }
        """;

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Engine.Editor.Program.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Test]
    public void Time_PrintsEveryLayerAndThePasses()
    {
        string path = Path.Combine(Path.GetTempPath(), $"time-{Guid.NewGuid():N}.prototxt");
        File.WriteAllText(path, Mlp);
        try
        {
            (int code, string output, _) = Run("time", path, "--iterations", "3", "--threads", "1");
            Assert.That(code, Is.EqualTo(0));
            foreach (string layer in new[] { "ip1", "relu1", "ip2", "loss" })
            {
                Assert.That(output, Does.Contain($"{layer}\tforward:"));
                Assert.That(output, Does.Contain($"{layer}\tbackward:"));
            }
            Assert.That(output, Does.Contain("Average Forward pass:").And.Contain("Average Forward-Backward:"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void Time_BadInput_ExitsOneWithOneLine()
    {
        (int code, _, string err) = Run("time", "/nonexistent/net.prototxt");
        Assert.That(code, Is.EqualTo(1));
        Assert.That(err.Trim().Split('\n'), Has.Length.EqualTo(1));
        (code, _, err) = Run("time", "a", "--iterations", "zero");
        Assert.That(code, Is.EqualTo(1));
        Assert.That(err, Does.Contain("--iterations"));
    }
}
