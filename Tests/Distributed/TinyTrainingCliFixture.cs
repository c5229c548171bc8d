using Engine.Tests.Editor;
using NUnit.Framework;

namespace Engine.Tests.Distributed;

/// <summary>
/// A temporary directory holding a four-sample DummyData net and a 4-iteration solver that snapshots to
/// <c>snaps/tiny_iter_4.caffemodel</c>: what the CLI tests of the multi-replica training options train.
/// </summary>
internal abstract class TinyTrainingCliFixture
{
    private const string Net = """
        name: "tiny"
        layer { name: "data" type: "DummyData" top: "data" top: "label"
                dummy_data_param { shape { dim: 4 dim: 6 } shape { dim: 4 } data_filler { type: "gaussian" std: 1 } data_filler { type: "constant" value: 1 } } }
        layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param { num_output: 3 weight_filler { type: "xavier" } } }
        layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
        """;

    private const string Solver = """
        net: "net.prototxt" base_lr: 0.05 lr_policy: "fixed" display: 2 max_iter: 4 snapshot_prefix: "snaps/tiny" random_seed: 1
        """;

    /// <summary>The test's own directory, removed after the test.</summary>
    protected TempDirectory Dir { get; private set; } = null!;

    /// <summary>The model the solver writes at its last iteration.</summary>
    protected string FinalModelPath => Path.Combine(Dir.Path, "snaps", "tiny_iter_4.caffemodel");

    [SetUp]
    public void CreateDirectory() => Dir = new TempDirectory();

    [TearDown]
    public void RemoveDirectory() => Dir.Dispose();

    /// <summary>Writes the net and the solver; returns the solver's path.</summary>
    protected string WriteTinySolver()
    {
        Dir.Write("net.prototxt", Net);
        return Dir.Write("solver.prototxt", Solver);
    }
}
