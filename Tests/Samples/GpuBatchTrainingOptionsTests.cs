using Engine.Samples.GpuBatchTraining;
using NUnit.Framework;

namespace Engine.Tests.Samples;

/// <summary>The GpuBatchTraining sample's options and the definition it derives from the FashionLenet recipe (no device needed).</summary>
public class GpuBatchTrainingOptionsTests
{
    [Test]
    public void Definition_ScalesTheRateWithTheBatch_AndSetsTheTrainBatchOnly()
    {
        var param = BatchTrainingRun.Definition(BatchTrainingOptions.Parse(["--batch", "256", "--iterations", "10"]));
        Assert.That(param.BaseLr, Is.EqualTo(0.04f).Within(1e-7));
        Assert.That(param.MaxIter, Is.EqualTo(10));
        var batches = param.NetParam.Layer.Where(l => l.Type == "Data").Select(l => (int)l.DataParam.BatchSize).ToArray();
        Assert.That(batches, Is.EquivalentTo(new[] { 256, 100 }));
    }

    [Test]
    public void Parse_NamesTheBadOption()
    {
        Assert.That(() => BatchTrainingOptions.Parse(["--batch", "0"]), Throws.ArgumentException.With.Message.Contains("--batch"));
        Assert.That(() => BatchTrainingOptions.Parse(["--frobnicate", "1"]), Throws.ArgumentException.With.Message.Contains("--frobnicate"));
    }
}
