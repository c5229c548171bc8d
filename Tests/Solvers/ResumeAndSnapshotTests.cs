using Engine.Proto;
using Engine.Solvers;
using Engine.Tests.Data;
using NUnit.Framework;

namespace Engine.Tests.Solvers;

/// <summary>Snapshots, resume (bit-identical to an uninterrupted run), atomic writes and determinism.</summary>
public class ResumeAndSnapshotTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp()
    {
        _dir = SolverTestHelpers.TempDirectory();
        IdxTestFiles.WriteSet(_dir, "train", 10, 6, 6, 3);
        IdxTestFiles.WriteSet(_dir, "t10k", 6, 6, 6, 3);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, true);

    private string SolverText(string type, int maxIter, string extra = "", int seed = 42, int batch = 4, string transform = "crop_size: 4 mirror: true") => $$"""
        net_param {
          name: "mlp"
          layer { name: "data" type: "Data" top: "data" top: "label" include { phase: TRAIN }
                  data_param { source: "{{_dir}}/train-images-idx3-ubyte.gz" batch_size: {{batch}} }
                  transform_param { scale: 0.00390625 {{transform}} } }
          layer { name: "data" type: "Data" top: "data" top: "label" include { phase: TEST }
                  data_param { source: "{{_dir}}/t10k-images-idx3-ubyte.gz" batch_size: 4 }
                  transform_param { scale: 0.00390625 crop_size: 4 } }
          layer { name: "ip1" type: "InnerProduct" bottom: "data" top: "ip1"
                  inner_product_param { num_output: 8 weight_filler { type: "xavier" } bias_filler { type: "constant" value: 0.1 } } }
          layer { name: "relu" type: "ReLU" bottom: "ip1" top: "ip1" }
          layer { name: "ip2" type: "InnerProduct" bottom: "ip1" top: "ip2"
                  inner_product_param { num_output: 3 weight_filler { type: "xavier" } } }
          layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip2" bottom: "label" top: "loss" }
        }
        type: "{{type}}" base_lr: 0.05 momentum: 0.9 weight_decay: 0.001 lr_policy: "multistep" gamma: 0.5 stepvalue: 7 stepvalue: 13
        max_iter: {{maxIter}} test_iter: 2 test_interval: 5 display: 5 random_seed: {{seed}}
        snapshot_prefix: "{{_dir}}/snap/mlp" {{extra}}
        """;

    private sealed class Recorder
    {
        public List<(int Iter, float Loss)> Losses { get; } = [];

        public List<(int Iter, float Score)> Tests { get; } = [];

        public void Attach(Solver s)
        {
            s.IterationCompleted += (_, e) => Losses.Add((e.Iteration, e.Loss));
            s.TestCompleted += (_, e) => Tests.Add((e.Iteration, e.Scores[0].Value));
        }
    }

    private static float[][] Weights(Solver s) => s.Net.LearnableParams.Select(p => p.Data.ToArray()).ToArray();

    [TestCase("SGD")]
    [TestCase("Adam")]
    public void InterruptedAndResumed_IsBitIdenticalToUninterrupted(string type)
    {
        var straight = new Recorder();
        float[][] straightWeights;
        using (Solver s = SolverTestHelpers.Create(SolverText(type, 20, "snapshot_after_train: false")))
        {
            straight.Attach(s);
            s.Solve();
            straightWeights = Weights(s);
        }

        var first = new Recorder();
        string state;
        using (Solver s = SolverTestHelpers.Create(SolverText(type, 10)))
        {
            first.Attach(s);
            s.Solve();
            state = $"{_dir}/snap/mlp_iter_10.solverstate";
            Assert.That(File.Exists(state), Is.True);
            Assert.That(File.Exists($"{_dir}/snap/mlp_iter_10.caffemodel"), Is.True);
        }
        var second = new Recorder();
        using (Solver s = SolverTestHelpers.Create(SolverText(type, 20, "snapshot_after_train: false", seed: 7)))
        {
            second.Attach(s);
            s.Solve(state);
            Assert.That(s.Iter, Is.EqualTo(20));
            float[][] resumed = Weights(s);
            for (int i = 0; i < resumed.Length; i++)
            {
                Assert.That(resumed[i], Is.EqualTo(straightWeights[i]), $"param {i} bit for bit");
            }
        }
        Assert.That(first.Losses.Concat(second.Losses), Is.EqualTo(straight.Losses), "per-iteration losses");
        Assert.That(second.Tests, Is.EqualTo(straight.Tests.Where(t => t.Iter >= 10)), "test scores after the resume");
        Assert.That(straight.Tests.Select(t => t.Iter), Is.EqualTo(new[] { 0, 5, 10, 15, 20 }));
        Assert.That(straight.Losses[^1].Loss, Is.Not.EqualTo(straight.Losses[0].Loss));
    }

    [Test]
    public void SameSeed_IsDeterministic_OtherSeedDiffers()
    {
        List<(int, float)> Run(int seed)
        {
            var r = new Recorder();
            using Solver s = SolverTestHelpers.Create(SolverText("SGD", 8, "snapshot_after_train: false test_initialization: false", seed));
            r.Attach(s);
            s.Solve();
            return r.Losses;
        }
        List<(int, float)> a = Run(3);
        Assert.That(Run(3), Is.EqualTo(a));
        Assert.That(Run(4), Is.Not.EqualTo(a));
    }

    [Test]
    public void Snapshot_IsAtomic_OldSnapshotIntactWhenAWriteFails()
    {
        using Solver s = SolverTestHelpers.Create(SolverText("SGD", 3, "snapshot_after_train: false"));
        s.Step(1);
        string good = s.Snapshot();
        byte[] goodBytes = File.ReadAllBytes(good);
        byte[] goodModel = File.ReadAllBytes($"{_dir}/snap/mlp_iter_1.caffemodel");

        // A directory where the next state file should go makes the final rename fail.
        s.Step(1);
        Directory.CreateDirectory($"{_dir}/snap/mlp_iter_2.solverstate");
        Assert.That(() => s.Snapshot(), Throws.InstanceOf<IOException>().Or.InstanceOf<UnauthorizedAccessException>());
        Assert.That(Directory.GetFiles($"{_dir}/snap").Where(f => f.Contains(".tmp")), Is.Empty, "no temporary file left");
        Assert.That(File.ReadAllBytes(good), Is.EqualTo(goodBytes));
        Assert.That(File.ReadAllBytes($"{_dir}/snap/mlp_iter_1.caffemodel"), Is.EqualTo(goodModel));

        // Overwriting an existing snapshot of the same iteration replaces it whole.
        s.Step(0);
        Directory.Delete($"{_dir}/snap/mlp_iter_2.solverstate");
        string again = s.Snapshot();
        SolverState reread = Engine.Formats.WeightsFile.ReadSolverState(again);
        Assert.That(reread.Iter, Is.EqualTo(2));
        Assert.That(reread.History.Count, Is.EqualTo(s.Net.LearnableParams.Count));
        Assert.That(reread.RandomState.Count, Is.EqualTo(5 * (1 + s.TestNets.Count)));
        Assert.That(reread.DataPosition.Select(d => (d.Net, d.Layer, d.Position)), Is.EqualTo(new[] { (0, "data", 8L), (1, "data", 8L) }));
    }

    [Test]
    public void Cancellation_FinishesTheStep_SnapshotsAndReturns()
    {
        using var cts = new CancellationTokenSource();
        using Solver s = SolverTestHelpers.Create(SolverText("SGD", 50, "snapshot_after_train: false"));
        s.IterationCompleted += (_, e) =>
        {
            if (e.Iteration == 3)
            {
                cts.Cancel();
            }
        };
        s.Solve(cancellation: cts.Token);
        Assert.That(s.StoppedEarly, Is.True);
        Assert.That(s.Iter, Is.EqualTo(4));
        Assert.That(File.Exists($"{_dir}/snap/mlp_iter_4.solverstate"), Is.True);
    }

    [Test]
    public void IterSize_AccumulatesLikeOneBigBatch()
    {
        // Two passes of 2 samples, normalised by iter_size, equal one pass of 4 (same seed: same weights and samples).
        float[][] Run(int batch, int iterSize)
        {
            string text = SolverText("SGD", 1, $"iter_size: {iterSize} snapshot_after_train: false test_initialization: false", batch: batch, transform: "");
            using Solver s = SolverTestHelpers.Create(text);
            s.Step(1);
            return Weights(s);
        }
        float[][] big = Run(4, 1), small = Run(2, 2), one = Run(2, 1);
        for (int i = 0; i < big.Length; i++)
        {
            Assert.That(small[i], Is.EqualTo(big[i]).Within(1e-6), $"param {i}");
        }
        Assert.That(one[0], Is.Not.EqualTo(big[0]).Within(1e-6), "half the batch gives another step");
    }
}
