using Engine.Samples.GpuBatchTraining;
using NUnit.Framework;

namespace Engine.Tests.OpenCL;

/// <summary>The GpuBatchTraining sample runs a few small iterations on the OpenCL device and reports sane figures.</summary>
public class GpuBatchTrainingSampleTests : OpenCLTestBase
{
    [Test]
    public void FewIterations_OnTheDevice_PrintImagesPerSecondAndAccuracy()
    {
        if (!Directory.Exists(BatchTrainingOptions.DefaultDataDirectory))
        {
            Assert.Inconclusive("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
        }
        var log = new StringWriter();
        BatchTrainingResult result = BatchTrainingRun.Run(
            BatchTrainingOptions.Parse(["--device", "opencl:0", "--iterations", "4", "--batch", "32", "--test-batches", "2", "--display", "2"]), log);
        string text = log.ToString();
        TestContext.Out.WriteLine(text);
        Assert.That(result.Device, Is.EqualTo("opencl:0"));
        Assert.That(result.ImagesPerSecond, Is.GreaterThan(0));
        Assert.That(result.TestAccuracy, Is.InRange(0f, 1f));
        Assert.That(float.IsFinite(result.FinalLoss), Is.True);
        Assert.That(text, Does.Contain("images/s on opencl:0").And.Contain("test accuracy over 200 images"));
    }
}
