using Engine.Fuzz;
using NUnit.Framework;

namespace Engine.Tests.Reliability;

/// <summary>
/// <c>engine check</c> (run in-process through its checking library) on pathologically nested input: an error with a
/// position, not a stack overflow.
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
}
