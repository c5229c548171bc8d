using System.Globalization;
using Engine.Backends.Cpu;
using Engine.Formats;
using Engine.Proto;
using Engine.Solvers;
using Microsoft.Extensions.DependencyInjection;

namespace Engine.Benchmarks;

/// <summary>
/// The nets the throughput and latency comparisons race, as prototxt text that Engine parses and the PyTorch reference
/// mirrors layer for layer (TorchReference): Caffe's LeNet and two ReLU/tanh MLPs, with Input layers instead of data layers.
/// </summary>
internal static class BenchmarkNets
{
    public static LayerRegistry Registry { get; } = EngineServices.CreateDefaultRegistry();

    /// <summary>Caffe's LeNet (examples/mnist/lenet_train_test.prototxt) without its data layer; loss for training, softmax for inference.</summary>
    public static string LeNet(int batch, bool train) => Text($$"""
        name: "LeNet"
        layer { name: "data" type: "Input" top: "data" input_param { shape { dim: {{batch}} dim: 1 dim: 28 dim: 28 } } }
        {{(train ? $$"""layer { name: "label" type: "Input" top: "label" input_param { shape { dim: {{batch}} } } }""" : "")}}
        layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1" param { lr_mult: 1 } param { lr_mult: 2 }
                convolution_param { num_output: 20 kernel_size: 5 stride: 1 weight_filler { type: "xavier" } bias_filler { type: "constant" } } }
        layer { name: "pool1" type: "Pooling" bottom: "conv1" top: "pool1" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
        layer { name: "conv2" type: "Convolution" bottom: "pool1" top: "conv2" param { lr_mult: 1 } param { lr_mult: 2 }
                convolution_param { num_output: 50 kernel_size: 5 stride: 1 weight_filler { type: "xavier" } bias_filler { type: "constant" } } }
        layer { name: "pool2" type: "Pooling" bottom: "conv2" top: "pool2" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
        layer { name: "ip1" type: "InnerProduct" bottom: "pool2" top: "ip1" param { lr_mult: 1 } param { lr_mult: 2 }
                inner_product_param { num_output: 500 weight_filler { type: "xavier" } bias_filler { type: "constant" } } }
        layer { name: "relu1" type: "ReLU" bottom: "ip1" top: "ip1" }
        layer { name: "ip2" type: "InnerProduct" bottom: "ip1" top: "ip2" param { lr_mult: 1 } param { lr_mult: 2 }
                inner_product_param { num_output: 10 weight_filler { type: "xavier" } bias_filler { type: "constant" } } }
        {{Head(train)}}
        """);

    /// <summary>MLP 784-512-512-10 with ReLU.</summary>
    public static string Mlp784(int batch, bool train) => Text($$"""
        name: "MLP784"
        layer { name: "data" type: "Input" top: "data" input_param { shape { dim: {{batch}} dim: 784 } } }
        {{(train ? $$"""layer { name: "label" type: "Input" top: "label" input_param { shape { dim: {{batch}} } } }""" : "")}}
        layer { name: "ip1" type: "InnerProduct" bottom: "data" top: "ip1" inner_product_param { num_output: 512 weight_filler { type: "xavier" } } }
        layer { name: "relu1" type: "ReLU" bottom: "ip1" top: "ip1" }
        layer { name: "ip1b" type: "InnerProduct" bottom: "ip1" top: "ip1b" inner_product_param { num_output: 512 weight_filler { type: "xavier" } } }
        layer { name: "relu2" type: "ReLU" bottom: "ip1b" top: "ip1b" }
        layer { name: "ip2" type: "InnerProduct" bottom: "ip1b" top: "ip2" inner_product_param { num_output: 10 weight_filler { type: "xavier" } } }
        {{Head(train)}}
        """);

    /// <summary>The small policy net of the latency anchors: 32-64-64-4 with tanh, raw outputs.</summary>
    public static string Mlp32(int batch) => Text($$"""
        name: "MLP32"
        layer { name: "data" type: "Input" top: "data" input_param { shape { dim: {{batch}} dim: 32 } } }
        layer { name: "ip1" type: "InnerProduct" bottom: "data" top: "ip1" inner_product_param { num_output: 64 weight_filler { type: "xavier" } } }
        layer { name: "tanh1" type: "TanH" bottom: "ip1" top: "ip1" }
        layer { name: "ip2" type: "InnerProduct" bottom: "ip1" top: "ip2" inner_product_param { num_output: 64 weight_filler { type: "xavier" } } }
        layer { name: "tanh2" type: "TanH" bottom: "ip2" top: "ip2" }
        layer { name: "out" type: "InnerProduct" bottom: "ip2" top: "out" inner_product_param { num_output: 4 weight_filler { type: "xavier" } } }
        """);

    private static string Head(bool train) => train
        ? """layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip2" bottom: "label" top: "loss" }"""
        : """layer { name: "prob" type: "Softmax" bottom: "ip2" top: "prob" }""";

    private static string Text(string s) => s;

    public static NetParameter Parse(string text, string name) => NetDefinitions.ParseNet(text, name + ".prototxt");

    /// <summary>An SGD solver (Caffe's LeNet settings: lr 0.01, momentum 0.9, weight decay 5e-4) over <paramref name="netText"/> on <paramref name="pool"/>.</summary>
    public static Solver SgdSolver(string netText, WorkerPool pool) => SgdSolver(netText, new CpuBackend(pool));

    /// <summary>The same SGD solver with its nets on <paramref name="backend"/> (an OpenCL device runs the update there too).</summary>
    public static Solver SgdSolver(string netText, Backend backend) => CreateSolver(SgdParameter(netText), backend);

    /// <summary>The definition of that SGD solver over <paramref name="netText"/>.</summary>
    public static SolverParameter SgdParameter(string netText)
    {
        SolverParameter param = NetDefinitions.ParseSolver(
            "base_lr: 0.01 momentum: 0.9 weight_decay: 0.0005 lr_policy: \"fixed\" max_iter: 1000000 random_seed: 1 type: \"SGD\"",
            "bench_solver.prototxt");
        param.NetParam = Parse(netText, "bench_net");
        return param;
    }

    /// <summary>A solver of <paramref name="param"/> with its nets on <paramref name="backend"/>.</summary>
    public static Solver CreateSolver(SolverParameter param, Backend backend) =>
        SolverRegistry.CreateDefault().Create(param, new SolverContext(Registry) { Backend = backend });

    /// <summary>Fills every Input blob of <paramref name="net"/> with uniform data in [0, 1), and "label" with classes in [0, classes).</summary>
    public static void FillInputs(Net net, int classes = 10)
    {
        var random = new Random(7);
        foreach (Blob input in net.InputBlobs)
        {
            Span<float> data = input.MutableData;
            bool label = input.Name == "label";
            for (int i = 0; i < data.Length; i++)
                data[i] = label ? random.Next(classes) : (float)random.NextDouble();
        }
    }

    public static string Format(double x) => x.ToString("F0", CultureInfo.InvariantCulture);
}
