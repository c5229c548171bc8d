namespace Engine.Tests.Editor;

/// <summary>Net definitions the CLI tests check.</summary>
internal static class CheckNets
{
    /// <summary>An MLP on a 32×1×28×28 input: only layers that have long been on main.</summary>
    public const string Mlp = """
        name: "MLP"
        layer {
          name: "input"
          type: "Input"
          top: "data"
          top: "label"
          input_param { shape { dim: 32 dim: 1 dim: 28 dim: 28 } shape { dim: 32 } }
        }
        layer {
          name: "ip1"
          type: "InnerProduct"
          bottom: "data"
          top: "ip1"
          inner_product_param { num_output: 100 weight_filler { type: "xavier" } }
        }
        layer { name: "relu1" type: "ReLU" bottom: "ip1" top: "ip1" }
        layer {
          name: "ip2"
          type: "InnerProduct"
          bottom: "ip1"
          top: "ip2"
          inner_product_param { num_output: 10 }
        }
        layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip2" bottom: "label" top: "loss" }
        """;

    /// <summary>The MLP's layers after its Input layer (they read "data" and "label").</summary>
    public static string MlpBody => Mlp[Mlp.IndexOf("layer {\n  name: \"ip1\"", StringComparison.Ordinal)..];

    /// <summary>LeNet body after a data layer (given as text) that yields "data" and "label".</summary>
    public static string LeNet(string dataLayer) => $$"""
        name: "LeNet"
        {{dataLayer}}
        layer {
          name: "conv1"
          type: "Convolution"
          bottom: "data"
          top: "conv1"
          convolution_param { num_output: 20 kernel_size: 5 stride: 1 weight_filler { type: "xavier" } }
        }
        layer {
          name: "pool1"
          type: "Pooling"
          bottom: "conv1"
          top: "pool1"
          pooling_param { pool: MAX kernel_size: 2 stride: 2 }
        }
        layer {
          name: "conv2"
          type: "Convolution"
          bottom: "pool1"
          top: "conv2"
          convolution_param { num_output: 50 kernel_size: 5 stride: 1 weight_filler { type: "xavier" } }
        }
        layer {
          name: "pool2"
          type: "Pooling"
          bottom: "conv2"
          top: "pool2"
          pooling_param { pool: MAX kernel_size: 2 stride: 2 }
        }
        layer {
          name: "ip1"
          type: "InnerProduct"
          bottom: "pool2"
          top: "ip1"
          inner_product_param { num_output: 500 weight_filler { type: "xavier" } }
        }
        layer { name: "relu1" type: "ReLU" bottom: "ip1" top: "ip1" }
        layer {
          name: "ip2"
          type: "InnerProduct"
          bottom: "ip1"
          top: "ip2"
          inner_product_param { num_output: 10 weight_filler { type: "xavier" } }
        }
        layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip2" bottom: "label" top: "loss" }
        """;

    /// <summary>An Input layer with a 64×1×28×28 image batch and 64 labels.</summary>
    public const string LeNetInput = """
        layer {
          name: "input"
          type: "Input"
          top: "data"
          top: "label"
          input_param { shape { dim: 64 dim: 1 dim: 28 dim: 28 } shape { dim: 64 } }
        }
        """;

    /// <summary>A Data layer (batch 64) reading a source that does not exist.</summary>
    public const string MissingData = """
        layer {
          name: "mnist"
          type: "Data"
          top: "data"
          top: "label"
          transform_param { scale: 0.00390625 }
          data_param { source: "no/such/dir/mnist_train_lmdb" batch_size: 64 backend: LMDB }
        }
        """;
}
