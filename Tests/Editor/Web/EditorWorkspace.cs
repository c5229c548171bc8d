using Engine.Editor.Web;
using Engine.Formats;
using Engine.Proto;

namespace Engine.Tests.Editor.Web;

/// <summary>A scratch directory with a small LeNet-style net on random data, a solver for it, and an editor server on it.</summary>
internal sealed class EditorWorkspace : IAsyncDisposable
{
    public const string NetName = "lenet.prototxt";
    public const string SolverName = "solver.prototxt";

    // LeNet's shape (conv, pool, two inner products, ReLU, softmax loss, TEST accuracy) on DummyData, so no dataset is needed.
    public const string NetText = """
        name: "TinyLeNet"
        layer {
          name: "data"
          type: "DummyData"
          top: "data"
          top: "label"
          dummy_data_param {
            shape { dim: 8 dim: 1 dim: 28 dim: 28 }
            shape { dim: 8 }
            data_filler { type: "gaussian" std: 1 }
            data_filler { type: "constant" value: 3 }
          }
        }
        layer {
          name: "conv1"
          type: "Convolution"
          bottom: "data"
          top: "conv1"
          convolution_param {
            num_output: 4
            kernel_size: 5
            weight_filler { type: "xavier" }
          }
        }
        layer {
          name: "pool1"
          type: "Pooling"
          bottom: "conv1"
          top: "pool1"
          pooling_param { pool: MAX kernel_size: 2 stride: 2 }
        }
        layer {
          name: "ip1"
          type: "InnerProduct"
          bottom: "pool1"
          top: "ip1"
          inner_product_param { num_output: 32 weight_filler { type: "xavier" } }
        }
        layer {
          name: "relu1"
          type: "ReLU"
          bottom: "ip1"
          top: "ip1"
        }
        layer {
          name: "ip2"
          type: "InnerProduct"
          bottom: "ip1"
          top: "ip2"
          inner_product_param { num_output: 10 weight_filler { type: "xavier" } }
        }
        layer {
          name: "accuracy"
          type: "Accuracy"
          bottom: "ip2"
          bottom: "label"
          top: "accuracy"
          include { phase: TEST }
        }
        layer {
          name: "loss"
          type: "SoftmaxWithLoss"
          bottom: "ip2"
          bottom: "label"
          top: "loss"
        }

        """;

    public const string SolverText = """
        net: "lenet.prototxt"
        test_iter: 1
        test_interval: 5
        base_lr: 0.01
        momentum: 0.9
        lr_policy: "inv"
        gamma: 0.0001
        power: 0.75
        display: 0
        max_iter: 20
        snapshot_prefix: "snapshots/tiny"
        random_seed: 1

        """;

    private readonly TempDirectory _directory = new();

    private EditorWorkspace(EditorServer server)
    {
        Server = server;
    }

    public EditorServer Server { get; private set; }

    public string Root => _directory.Path;

    public string NetPath => Path.Combine(Root, NetName);

    public static async Task<EditorWorkspace> StartAsync(bool withSolver = true)
    {
        var workspace = new EditorWorkspace(null!);
        string net = workspace._directory.Write(NetName, NetText);
        string solver = workspace._directory.Write(SolverName, SolverText);
        workspace.Server = await EditorServer.StartAsync(new EditorServerOptions
        {
            NetPath = net,
            SolverPath = withSolver ? solver : null,
            RootDirectory = workspace.Root,
        });
        return workspace;
    }

    /// <summary>1-based number of the first line of <see cref="NetText"/> containing <paramref name="fragment"/>.</summary>
    public static int LineOf(string fragment, string? text = null)
    {
        string[] lines = (text ?? NetText).Split('\n');
        int index = Array.FindIndex(lines, l => l.Contains(fragment, StringComparison.Ordinal));
        return index >= 0 ? index + 1 : throw new ArgumentException($"'{fragment}' is not in the net text");
    }

    /// <summary>Names of the layers the TRAIN net has, as Engine's own parser and filter see them.</summary>
    public static string[] TrainLayerNames()
    {
        NetParameter net = NetDefinitions.ParseNet(NetText);
        return NetStateFilter.Filter(net, new NetState { Phase = Phase.Train }).Layer.Select(l => l.Name).ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        _directory.Dispose();
    }
}
