using Engine.Timing;
using Engine.Fuzz;
using NUnit.Framework;

namespace Engine.Tests.Reliability;

/// <summary>
/// <c>engine check</c> (run in-process through its checking library) on pathological input: an error with a position,
/// not a stack overflow or a hang.
/// </summary>
public class CheckNestingTests
{
    [TestCase("layer {", "")]
    [TestCase("layer {", "}")]
    [TestCase("{", "")]
    [TestCase("net_param {", "}")]
    public void HundredThousandNestedBraces_AreAnErrorWithAPosition(string open, string close)
    {
        string text = string.Concat(Enumerable.Repeat(open + " ", 100_000)) + string.Concat(Enumerable.Repeat(close, 100_000));
        var e = Assert.Throws<FormatException>(() => CheckTarget.Feed(text))!;
        Assert.That(e.Message, Does.Match(@"^fuzz_check\.prototxt:\d+:\d+: "));
    }

    [Test]
    public void HugeLayerName_InAnError_IsLocatedQuickly()
    {
        // Found by the fuzzer: a 130 KB name made the checker build a regex from it, seconds of CPU per input.
        string name = string.Concat(Enumerable.Repeat("layer { ", 16_000));
        string text = "layer { name: \"in\" type: \"Input\" top: \"x\" input_param { shape { dim: 1 } } }\n"
            + string.Concat(Enumerable.Range(0, 2_000).Select(i => $"layer {{ name: \"n{i}\" type: \"ReLU\" bottom: \"x\" top: \"x\" }}\n"))
            + $"layer {{ name: \"{name}\" type: \"NoSuchType\" bottom: \"x\" top: \"y\" }}\n";
        double start = ThreadCpuClock.Seconds();
        var e = Assert.Throws<FormatException>(() => CheckTarget.Feed(text))!;
        double seconds = ThreadCpuClock.Seconds() - start;
        Assert.That(e.Message, Does.StartWith("fuzz_check.prototxt:2002:"));
        Assert.That(seconds, Is.LessThan(1.0), "seconds of CPU time");
    }
}
