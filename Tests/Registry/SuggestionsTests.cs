using System.Diagnostics;
using NUnit.Framework;

namespace Engine.Tests.Registry;

[TestFixture]
public sealed class SuggestionsTests
{
    [Test]
    public void Closest_SuggestsATypoFix()
    {
        string[] closest = Suggestions.Closest("Convoluton", ["Pooling", "Convolution", "Deconvolution", "ReLU"], 2);

        Assert.That(closest, Is.EqualTo(new[] { "Convolution", "Deconvolution" }));
    }

    [Test]
    public void Closest_OfHugeNames_IsFastAndKeepsContainingNames()
    {
        // Edit distance of two 60 000-character names is 3.6e9 cells (seconds); a definition this size is checked in
        // milliseconds otherwise.
        string known = new('a', 60_000), containing = known + "_suffix";
        string misspelt = known[..^1] + "b";
        var clock = Stopwatch.StartNew();

        string[] closest = Suggestions.Closest(misspelt, [known, "data", containing], 3);
        string[] contained = Suggestions.Closest(known, ["data", containing], 3);

        Assert.That(clock.Elapsed.TotalSeconds, Is.LessThan(0.5));
        Assert.That(closest, Is.Empty);
        Assert.That(contained, Is.EqualTo(new[] { containing }));
    }
}
