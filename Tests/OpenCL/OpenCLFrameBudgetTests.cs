using Engine.Backends.OpenCL;
using Engine.Fillers;
using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.OpenCL;

/// <summary>Frame budgets on a device: the pass is queued in slices and its output read back without blocking.</summary>
public class OpenCLFrameBudgetTests : OpenCLTestBase
{
    private static NetParameter Policy() => new NetBuilder("policy")
        .Input("obs", 256, 32)
        .InnerProduct("ip1", "obs", 64, Filler.Xavier(), Filler.Uniform(-0.1f, 0.1f))
        .TanH("t1", "ip1")
        .InnerProduct("ip2", "ip1", 64, Filler.Xavier(), Filler.Uniform(-0.1f, 0.1f))
        .ReLU("r2", "ip2")
        .InnerProduct("out", "ip2", 4, Filler.Xavier())
        .Build();

    [Test]
    public void SlicedPass_ReadsBackWithoutBlocking_AndMatchesTheCpu()
    {
        float[] obs = Uniform(256 * 32, 3);
        using var cpu = new Engine.Net(Policy(), TestData.Registry, new NetOptions { Phase = Phase.Test, Seed = 9 });
        using var gpu = new Engine.Net(Policy(), TestData.Registry, new NetOptions { Phase = Phase.Test, Seed = 9, Backend = Cl });
        obs.CopyTo(cpu.GetBlob("obs").MutableData);
        cpu.Forward();
        float[] expected = cpu.GetBlob("out").Data.ToArray();

        obs.CopyTo(gpu.GetBlob("obs").MutableData);
        Blob output = gpu.GetBlob("out");
        long transfersBefore = output.DataMemory.TransfersToHost;
        ForwardJob job = gpu.BeginForward();
        int frames = 0;
        while (!job.RunFor(TimeSpan.FromMilliseconds(0.05)))
        {
            frames++;
        }
        var result = new float[expected.Length];
        int polls = 0;
        while (!job.TryReadOutput(output, result))
        {
            polls++;
            Assert.That(polls, Is.LessThan(10_000_000), "the read-back never completed");
        }
        TestContext.Out.WriteLine($"pass queued over {frames + 1} slice(s); read-back polled {polls} time(s) before the data arrived");
        Assert.That(output.DataMemory.TransfersToHost, Is.EqualTo(transfersBefore), "the read went through the job's staging buffer, not a blocking sync");
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.That(result[i], Is.EqualTo(expected[i]).Within(1e-4 * Math.Max(1, Math.Abs(expected[i]))), $"element {i}");
        }
    }

    [Test]
    public void OnTheCpu_TheOutputIsReadAtOnce()
    {
        using var cpu = new Engine.Net(Policy(), TestData.Registry, new NetOptions { Phase = Phase.Test, Seed = 9 });
        ForwardJob job = cpu.BeginForward();
        var result = new float[256 * 4];
        Assert.That(job.TryReadOutput(cpu.GetBlob("out"), result), Is.False, "not before the pass is done");
        job.RunToEnd();
        Assert.That(job.TryReadOutput(cpu.GetBlob("out"), result), Is.True);
        Assert.That(result, Is.EqualTo(cpu.GetBlob("out").Data.ToArray()));
    }
}
