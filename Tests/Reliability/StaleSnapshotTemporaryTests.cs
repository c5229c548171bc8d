using Engine.Solvers;
using Engine.Tests.Solvers;
using NUnit.Framework;

namespace Engine.Tests.Reliability;

/// <summary>
/// Temporary files that a snapshot killed mid-write leaves behind are removed when training starts again, and a
/// partial file is never taken for a snapshot.
/// </summary>
public class StaleSnapshotTemporaryTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = SolverTestHelpers.TempDirectory();

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, true);

    private Solver CreateSolver() => SolverTestHelpers.Create(
        $"{SolverTestHelpers.TinyIpNet}\nbase_lr: 0.1 lr_policy: \"fixed\" max_iter: 10 snapshot_prefix: \"{_dir}/snap/tiny\"");

    [Test]
    public void StartingTraining_RemovesOnlyItsOwnStaleSnapshotTemporaries()
    {
        string snap = Directory.CreateDirectory(Path.Combine(_dir, "snap")).FullName;
        string[] stale = ["tiny_iter_5.caffemodel.tmp-0123456789ab", "tiny_iter_12.solverstate.tmp-abcdef012345"];
        string[] kept =
        [
            "tiny_iter_5.caffemodel", // a complete file is not touched
            "other_iter_5.caffemodel.tmp-0123456789ab", // another prefix
            "tiny_iter_5.caffemodel.tmp-notahexname1", // not AtomicFile's pattern
            "tiny_iter_x.solverstate.tmp-0123456789ab",
            "tiny_iter_5.txt.tmp-0123456789ab",
        ];
        foreach (string name in stale.Concat(kept))
        {
            File.WriteAllBytes(Path.Combine(snap, name), [1, 2, 3]);
        }
        using Solver solver = CreateSolver();
        solver.Step(1);
        Assert.That(Directory.GetFiles(snap).Select(Path.GetFileName).Order(), Is.EqualTo(kept.Order()));
    }

    [Test]
    public void RemovalRunsOncePerSolver_SoItsOwnLaterWritesAreSafe()
    {
        string snap = Directory.CreateDirectory(Path.Combine(_dir, "snap")).FullName;
        using Solver solver = CreateSolver();
        solver.Step(1);
        string later = Path.Combine(snap, "tiny_iter_1.caffemodel.tmp-0123456789ab");
        File.WriteAllBytes(later, [1]);
        solver.Step(1);
        Assert.That(File.Exists(later), Is.True, "a second Step must not delete temporaries (they could be its own in-flight writes)");
        Assert.That(solver.RemoveStaleSnapshotTemporaries(), Is.EqualTo(1));
    }
}
