using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using NUnit.Framework;

namespace Engine.Tests.Distributed;

/// <summary>
/// Data-parallel training over real MPI processes (<c>mpirun --allow-run-as-root --oversubscribe -np 2</c>): the
/// result equals one process with the global batch, and a rank that dies or hangs stops the job within the timeout.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class DataParallelTrainingTests
{
    private static readonly TimeSpan RunLimit = TimeSpan.FromMinutes(2);
    private string _dir = "";

    [SetUp]
    public void SetUp()
    {
        MpiRun.RequireMpi();
        _dir = Path.Combine(Path.GetTempPath(), "engine-mpi-tests-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void TearDown()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Test]
    public void TwoRanksOfBatch32TrainLikeOneProcessOfBatch64()
    {
        float[] single = Train(MpiRun.Single("train", "--batch", "64", "--iters", "50", "--out", Path.Combine(_dir, "single.bin")), "single.bin");
        float[] ranks = Train(MpiRun.Ranks(2, "train", "--batch", "32", "--iters", "50", "--out", Path.Combine(_dir, "ranks.bin")), "ranks.bin");
        float[] half = Train(MpiRun.Single("train", "--batch", "32", "--iters", "50", "--out", Path.Combine(_dir, "half.bin")), "half.bin");

        Assert.That(ranks, Has.Length.EqualTo(single.Length));
        // Each rank sums 32 per-sample gradients and the allreduce adds the two halves, where one process sums 64 in
        // one pass: only the summation order differs, so after 50 SGD steps the weights agree to float rounding
        // (observed ≤ 2e-7 absolute on weights of magnitude ≤ 1).
        Assert.That(MaxAbsDifference(ranks, single), Is.LessThan(1e-5f));
        // The comparison can fail: one process with batch 32 (half the data per step) ends elsewhere.
        Assert.That(MaxAbsDifference(half, single), Is.GreaterThan(1e-3f));
    }

    [Test]
    public void ASnapshotOfTwoRanksResumesInOneProcess()
    {
        // 320 samples: after 25 global batches of 64 the stream is back at sample 0, where a resumed MemoryData starts.
        string prefix = Path.Combine(_dir, "snap");
        float[] straight = Train(MpiRun.Single("train", "--batch", "64", "--iters", "50", "--samples", "320", "--out", Path.Combine(_dir, "straight.bin")), "straight.bin");
        Train(MpiRun.Ranks(2, "train", "--batch", "32", "--iters", "25", "--samples", "320", "--snapshot-prefix", prefix, "--out", Path.Combine(_dir, "first.bin")), "first.bin");
        string state = prefix + "_iter_25.solverstate";
        Assert.That(File.Exists(state), Is.True, "rank 0 wrote no snapshot");
        float[] resumed = Train(MpiRun.Single("train", "--batch", "64", "--iters", "50", "--samples", "320", "--resume", state, "--out", Path.Combine(_dir, "resumed.bin")), "resumed.bin");

        // Weights and momentum history come from the 2-rank snapshot; the rest is the same global batches.
        Assert.That(MaxAbsDifference(resumed, straight), Is.LessThan(1e-5f));
    }

    [Test]
    public void KillingOneRankStopsTheOtherWithinTheTimeout()
    {
        using MpiRun run = StartLongRun(timeoutSeconds: 5);
        int victim = ReadPid(1);
        var clock = Stopwatch.StartNew();
        Process.GetProcessById(victim).Kill();

        bool exited = run.WaitForExit(TimeSpan.FromSeconds(5 + 15));
        Assert.That(exited, Is.True, $"the job was still running {clock.Elapsed.TotalSeconds:0.0} s after rank 1 was killed:\n{run.Output}");
        Assert.That(run.ExitCode, Is.Not.Zero, run.Output);
    }

    [Test]
    public void AHungRankMakesTheOtherStopWithAClearMessage()
    {
        using MpiRun run = StartLongRun(timeoutSeconds: 5);
        int victim = ReadPid(1);
        var clock = Stopwatch.StartNew();
        Assert.That(kill(victim, SigStop), Is.Zero, "could not stop rank 1");
        try
        {
            bool exited = run.WaitForExit(TimeSpan.FromSeconds(5 + 15));
            Assert.That(exited, Is.True, $"the job was still running {clock.Elapsed.TotalSeconds:0.0} s after rank 1 hung:\n{run.Output}");
            Assert.That(clock.Elapsed.TotalSeconds, Is.GreaterThan(4.5), "stopped before the timeout could have passed");
            Assert.That(run.ExitCode, Is.Not.Zero, run.Output);
            Assert.That(run.Output, Does.Contain("rank 0 of 2: the gradient allreduce of iteration").And.Contain("did not complete within 5 s; another rank probably died or hangs"));
        }
        finally
        {
            kill(victim, SigKill);
        }
    }

    private MpiRun StartLongRun(int timeoutSeconds)
    {
        MpiRun run = MpiRun.Ranks(2, "train", "--iters", "1000000", "--delay-ms", "20", "--timeout", timeoutSeconds.ToString(CultureInfo.InvariantCulture), "--pid-dir", _dir);
        // Wait until both ranks are past start-up and the weight broadcast, inside the training loop.
        Assert.That(run.WaitForOutput("iteration 5", RunLimit), Is.True, $"training did not start:\n{run.Output}");
        return run;
    }

    private int ReadPid(int rank) => int.Parse(File.ReadAllText(Path.Combine(_dir, $"rank{rank}.pid")), CultureInfo.InvariantCulture);

    private float[] Train(MpiRun run, string file)
    {
        using (run)
        {
            Assert.That(run.WaitForExit(RunLimit), Is.True, $"training did not finish:\n{run.Output}");
            Assert.That(run.ExitCode, Is.Zero, run.Output);
        }
        byte[] bytes = File.ReadAllBytes(Path.Combine(_dir, file));
        return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }

    private static float MaxAbsDifference(float[] a, float[] b)
    {
        float max = 0f;
        for (int i = 0; i < a.Length; i++)
        {
            max = Math.Max(max, Math.Abs(a[i] - b[i]));
        }
        return max;
    }

    private const int SigKill = 9;
    private const int SigStop = 19;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
