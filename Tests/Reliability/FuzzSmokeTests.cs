using Engine.Fuzz;
using NUnit.Framework;

namespace Engine.Tests.Reliability;

/// <summary>A short seeded run of every fuzz target (the long runs: <c>dotnet run -c Release --project Tests/Fuzz</c>).</summary>
public class FuzzSmokeTests
{
    [TestCaseSource(typeof(FuzzTargets), nameof(FuzzTargets.Names))]
    public void MutatedInputs_AreAcceptedOrRejectedWithAFormatError(string target)
    {
        FuzzReport report = FuzzTargets.Run(target, 1500, seed: 11, Path.Combine(AppContext.BaseDirectory, "corpus"));
        TestContext.Out.WriteLine(report);
        Assert.That(report.Crashes, Is.EqualTo(0), report.FirstCrash);
        Assert.That(report.Hangs, Is.EqualTo(0), report.FirstCrash);
        Assert.That(report.Rejected, Is.GreaterThan(0), "the mutations must actually break inputs");
        Assert.That(report.Accepted + report.Rejected, Is.EqualTo(report.Inputs));
    }
}
