using Engine.Samples.Simulation;
using NUnit.Framework;

namespace Engine.Tests.Samples;

public class SimulationSampleTests
{
    [Test]
    public void SmallRun_PrintsFigures_AllocatesNothingPerFrame_AndLearns()
    {
        var log = new StringWriter();
        SimulationResult result = SimulationRun.Run(new SimulationOptions(Frames: 200, Agents: 200, Food: 60, Seed: 1, TrainFrames: 600, Render: false), log);
        string text = log.ToString();
        TestContext.Out.WriteLine(text);
        Assert.That(text, Does.Contain("untrained net:").And.Contain("trained net:").And.Contain("inference per frame").And.Contain("bytes allocated per frame in steady state: 0"));
        Assert.That(result.BytesPerFrame, Is.EqualTo(0));
        Assert.That(result.TrainedEaten, Is.GreaterThan(2 * result.BaselineEaten), "the trained net clearly beats the untrained one");
    }
}
