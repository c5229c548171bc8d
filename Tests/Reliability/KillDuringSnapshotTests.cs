using System.Diagnostics;
using System.Globalization;
using Engine.Formats;
using Engine.Proto;
using NUnit.Framework;

namespace Engine.Tests.Reliability;

/// <summary>
/// Snapshots survive crashes: `engine train` snapshotting every iteration is killed with SIGKILL at random moments
/// (many land inside a snapshot write), and after every kill each snapshot file present must load completely, and
/// training must resume from the newest one. CI runs 6 kills; ENGINE_LONG_TESTS=1 runs 60.
/// </summary>
[NonParallelizable]
public class KillDuringSnapshotTests
{
    private const string Net = """
        name: "tiny"
        layer { name: "data" type: "DummyData" top: "x" top: "y"
                dummy_data_param { shape { dim: 16 dim: 64 } shape { dim: 16 dim: 8 }
                                   data_filler { type: "gaussian" std: 1 } data_filler { type: "constant" value: 0.5 } } }
        layer { name: "ip1" type: "InnerProduct" bottom: "x" top: "ip1" inner_product_param { num_output: 256 weight_filler { type: "xavier" } } }
        layer { name: "ip2" type: "InnerProduct" bottom: "ip1" top: "ip2" inner_product_param { num_output: 8 weight_filler { type: "xavier" } } }
        layer { name: "loss" type: "EuclideanLoss" bottom: "ip2" bottom: "y" top: "loss" }
        """;

    private const string SolverText = """
        net: "net.prototxt"
        base_lr: 0.001
        momentum: 0.9
        lr_policy: "fixed"
        max_iter: 100000000
        snapshot: 1
        snapshot_prefix: "snap/tiny"
        display: 0
        random_seed: 1
        type: "Adam"
        """;

    [Test]
    public void KilledTraining_AlwaysLeavesLoadableSnapshots_AndResumes()
    {
        int trials = Environment.GetEnvironmentVariable("ENGINE_LONG_TESTS") == "1" ? 60 : 6;
        string dir = Path.Combine(Path.GetTempPath(), $"engine-kill-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllText(Path.Combine(dir, "net.prototxt"), Net);
            File.WriteAllText(Path.Combine(dir, "solver.prototxt"), SolverText);
            var random = new EngineRandom(42);
            int lastIter = 0, resumed = 0, loaded = 0, tempsSeen = 0;
            HashSet<string> tempsBeforeRestart = [];
            for (int trial = 0; trial < trials; trial++)
            {
                string? newest = NewestState(dir, out int iter);
                Assert.That(iter, Is.GreaterThanOrEqualTo(lastIter), "the newest snapshot never goes backwards");
                lastIter = iter;
                var args = new List<string> { Path.Combine(AppContext.BaseDirectory, "engine.dll"), "train", "--solver", "solver.prototxt" };
                if (newest is not null)
                {
                    args.AddRange(["--snapshot", newest]);
                    resumed++;
                }
                var start = new ProcessStartInfo("dotnet", args) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
                using Process p = Process.Start(start)!;
                p.OutputDataReceived += (_, _) => { };
                p.ErrorDataReceived += (_, _) => { };
                p.BeginOutputReadLine();
                p.BeginErrorReadLine();
                WaitForFirstSnapshotAfter(dir, iter, p, TimeSpan.FromSeconds(60));
                tempsBeforeRestart.RemoveWhere(t => !File.Exists(t));
                Assert.That(tempsBeforeRestart, Is.Empty, "a restarted run removes the temporaries a killed snapshot left");
                Thread.Sleep(random.NextInt(400));
                p.Kill(entireProcessTree: true); // SIGKILL: no chance to finish a write
                p.WaitForExit();
                loaded += CheckEverySnapshotLoads(dir);
                tempsBeforeRestart = [.. Directory.GetFiles(Path.Combine(dir, "snap"), "*.tmp-*")];
                tempsSeen += tempsBeforeRestart.Count;
            }
            NewestState(dir, out int finalIter);
            TestContext.Out.WriteLine($"{trials} kills, {resumed} resumes, {loaded} snapshot files loaded, {tempsSeen} temporaries left by kills (removed on restart), newest iteration {finalIter}, temp files left {Directory.GetFiles(Path.Combine(dir, "snap"), "*.tmp-*").Length}");
            Assert.That(finalIter, Is.GreaterThan(0));
            Assert.That(resumed, Is.EqualTo(trials - 1));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static void WaitForFirstSnapshotAfter(string dir, int iter, Process p, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit)
        {
            NewestState(dir, out int now);
            if (now > iter)
            {
                return;
            }
            Assert.That(p.HasExited, Is.False, "training exited before writing a snapshot");
            Thread.Sleep(20);
        }
        Assert.Fail("no snapshot within the time limit");
    }

    /// <summary>Every complete-looking snapshot file must load; temp files from killed writes are ignored by name.</summary>
    private static int CheckEverySnapshotLoads(string dir)
    {
        string snap = Path.Combine(dir, "snap");
        int count = 0;
        foreach (string state in Directory.GetFiles(snap, "*.solverstate"))
        {
            SolverState s = WeightsFile.ReadSolverState(state);
            Assert.That(s.History, Is.Not.Empty, state);
            count++;
        }
        foreach (string model in Directory.GetFiles(snap, "*.caffemodel"))
        {
            NetParameter n = WeightsFile.ReadNet(model);
            Assert.That(n.Layer.Any(l => l.Blobs.Count > 0), model);
            count++;
        }
        return count;
    }

    private static string? NewestState(string dir, out int iter)
    {
        iter = 0;
        string? newest = null;
        string snap = Path.Combine(dir, "snap");
        if (!Directory.Exists(snap))
        {
            return null;
        }
        foreach (string state in Directory.GetFiles(snap, "tiny_iter_*.solverstate"))
        {
            string number = Path.GetFileNameWithoutExtension(state)["tiny_iter_".Length..];
            int n = int.Parse(number, CultureInfo.InvariantCulture);
            // A state is usable only with its weights beside it (the model is written first).
            if (n > iter && File.Exists(Path.ChangeExtension(state, ".caffemodel")))
            {
                iter = n;
                newest = state;
            }
        }
        return newest;
    }
}
