using System.Globalization;
using NUnit.Framework;

namespace Engine.Tests.Distributed;

/// <summary>
/// The worker's bench mode that <c>compare mpi</c> parses: CIFAR10-quick is Caffe's net (its parameter count), its
/// gradient fits one fused buffer, and two ranks report the reduction timed alone.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class MpiBenchmarkWorkerTests
{
    [SetUp]
    public void SetUp() => MpiRun.RequireMpi();

    [Test]
    public void Cifar10QuickOnTwoRanksReportsThroughputAndTheReductionAlone()
    {
        Dictionary<string, double> result = Bench(MpiRun.Ranks(2, "bench", "--net", "cifar10quick", "--batch", "8", "--samples", "64", "--warmup", "1", "--iters", "2"));

        // conv 3→32, 32→32, 32→64 (5×5, with biases), ip 64·4·4→64, ip 64→10.
        int expected = (3 * 25 * 32 + 32) + (32 * 25 * 32 + 32) + (32 * 25 * 64 + 64) + (64 * 4 * 4 * 64 + 64) + (64 * 10 + 10);
        Assert.That(result["params"], Is.EqualTo(expected));
        Assert.That(result["ranks"], Is.EqualTo(2));
        Assert.That(result["buckets"], Is.EqualTo(1), "0.58 MB of gradients should travel in one fused buffer");
        Assert.That(result["images_per_s"], Is.GreaterThan(0));
        Assert.That(result["images_per_core_s"], Is.GreaterThan(0).And.LessThan(double.PositiveInfinity), "CPU time without the wait must stay positive");
        Assert.That(result["reduce_ms"], Is.GreaterThan(0), "two ranks must time the reduction alone");
        Assert.That(result["reduce_ms"], Is.LessThan(1000 * result["seconds"] / result["iterations"] + 1000), "the reduction alone took longer than a whole step plus a second");
    }

    [Test]
    public void OneRankReportsNoReduction()
    {
        Dictionary<string, double> result = Bench(MpiRun.Ranks(1, "bench", "--net", "cifar10quick", "--batch", "8", "--samples", "64", "--warmup", "1", "--iters", "1"));

        Assert.That(result["ranks"], Is.EqualTo(1));
        Assert.That(result["reduce_ms"], Is.Zero);
        Assert.That(result["comm_share"], Is.Zero);
    }

    private static Dictionary<string, double> Bench(MpiRun run)
    {
        using (run)
        {
            Assert.That(run.WaitForExit(TimeSpan.FromMinutes(2)), Is.True, $"the benchmark did not finish:\n{run.Output}");
            Assert.That(run.ExitCode, Is.Zero, run.Output);
            string? line = run.Output.Split('\n').FirstOrDefault(l => l.Contains("RESULT ", StringComparison.Ordinal));
            Assert.That(line, Is.Not.Null, run.Output);
            return line![(line!.IndexOf("RESULT ", StringComparison.Ordinal) + 7)..].Trim().Split(' ')
                .Select(f => f.Split('=')).ToDictionary(f => f[0], f => double.Parse(f[1], CultureInfo.InvariantCulture));
        }
    }
}
