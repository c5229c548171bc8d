using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Engine;
using Engine.Backends.Cpu;
using Engine.Distributed;
using Engine.Distributed.Mpi;
using Engine.Formats;
using Engine.Layers;
using Engine.Proto;
using Engine.Solvers;
using Microsoft.Extensions.DependencyInjection;

// One rank of a data-parallel run (or a single process when not started by mpirun).
//   train: a small MLP on MemoryData for --iters iterations; rank 0 writes the weights to --out (raw float32).
//   bench: a wide MLP (--net mlp) or Caffe's CIFAR10-quick convnet (--net cifar10quick) on synthetic data; rank 0
//          prints throughput and the share of step time spent in the allreduce.
var options = WorkerOptions.Parse(args);
using var pool = new WorkerPool(options.Threads);
MpiCommunicator? comm = MpiCommunicator.LaunchedByMpirun ? MpiCommunicator.Initialize(TimeSpan.FromSeconds(options.TimeoutSeconds)) : null;
int rank = comm?.Rank ?? 0;
int size = comm?.Size ?? 1;
try
{
    if (options.PidDirectory is string dir)
    {
        File.WriteAllText(Path.Combine(dir, $"rank{rank}.pid"), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
    }
    using Solver solver = Build(options, new CpuBackend(pool));
    var reducer = comm is null ? null : new MpiGradientReducer(comm, options.BucketFloats);
    solver.GradientReducer = reducer;
    Fill((MemoryDataLayer)solver.Net.GetLayer("data"), options);
    if (options.DelayMs > 0)
    {
        solver.IterationCompleted += (_, e) =>
        {
            if (rank == 0)
            {
                Console.WriteLine($"iteration {e.Iteration}");
            }
            Thread.Sleep(options.DelayMs);
        };
    }
    if (options.Mode == "bench")
    {
        solver.Step(options.Warmup);
        reducer?.ResetTimers();
        TimeSpan cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
        int collections = GC.CollectionCount(0);
        var clock = Stopwatch.StartNew();
        solver.Step(options.Iterations);
        double seconds = clock.Elapsed.TotalSeconds;
        collections = GC.CollectionCount(0) - collections;
        // On a machine shared with other jobs a rank gets only part of a core; CPU time shows what it would do alone.
        double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalSeconds;
        double comms = reducer?.CommunicationTime.TotalSeconds ?? 0;
        double waits = reducer?.WaitTime.TotalSeconds ?? 0;
        double waitCpu = reducer?.WaitCpuTime.TotalSeconds ?? 0;
        // The reduction alone, ranks lined up: what the step would spend on it if no rank ever waited for a slower one.
        (TimeSpan reduceWall, TimeSpan reduceCpu) = size > 1 ? reducer!.MeasureReduction(solver.Net, options.ReduceRepetitions) : default;
        double reduceMs = reduceWall.TotalMilliseconds;
        // A rank with a core of its own and a peer that never falls behind: its CPU time outside the blocked wait
        // (on a shared machine that wait is mostly spinning while the scheduler runs the peer's competitors) plus
        // the reduction itself, timed with the ranks lined up (its CPU time: its wall time also counts other jobs).
        double coreSeconds = cpuSeconds - waitCpu + options.Iterations * reduceCpu.TotalSeconds;
        if (rank == 0)
        {
            double images = (double)options.Batch * size * options.Iterations;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"RESULT ranks={size} batch_per_rank={options.Batch} iterations={options.Iterations} seconds={seconds:0.###} images_per_s={images / seconds:0.#} images_per_cpu_s={images / cpuSeconds:0.#} images_per_core_s={images / coreSeconds:0.#} comm_share={comms / seconds:0.0000} wait_share={waits / seconds:0.0000} reduce_ms={reduceMs:0.###} reduce_cpu_ms={reduceCpu.TotalMilliseconds:0.###} gc0={collections} params={solver.Net.LearnableParams.Sum(b => b.Count)} buckets={reducer?.BucketCount ?? 0}"));
        }
    }
    else
    {
        solver.Solve(options.Resume);
        if (rank == 0 && options.Output is string output)
        {
            using var file = File.Create(output);
            foreach (Blob p in solver.Net.LearnableParams)
            {
                file.Write(MemoryMarshal.AsBytes(p.Data));
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"final loss {solver.SmoothedLoss:G9} over {size} rank(s)"));
        }
    }
}
catch (DistributedException)
{
    // The communicator already printed the message: MPI_Abort may end this process before anything else is written.
    comm?.Abort(3);
    return 3;
}
comm?.Dispose();
return 0;

static Solver Build(WorkerOptions o, Backend backend)
{
    (int channels, int height, int width) = o.SampleShape;
    string body = o.Net switch
    {
        "mlp" => MlpLayers(o),
        "cifar10quick" => Cifar10QuickLayers(),
        _ => throw new ArgumentException($"unknown --net {o.Net}; known: mlp, cifar10quick"),
    };
    // CIFAR10-quick diverges at the MLP's rate; Caffe trains it at 0.001.
    string lr = o.Net == "cifar10quick" ? "0.001" : "0.05";
    string text = string.Create(CultureInfo.InvariantCulture, $$"""
        base_lr: {{lr}} momentum: 0.9 weight_decay: 0.0005 lr_policy: "fixed" random_seed: 5 max_iter: {{o.Iterations}} display: 0
        snapshot_prefix: "{{o.SnapshotPrefix ?? ""}}" snapshot_after_train: {{(o.SnapshotPrefix is null ? "false" : "true")}}
        net_param {
          name: "worker"
          layer { name: "data" type: "MemoryData" top: "data" top: "label"
                  memory_data_param { batch_size: {{o.Batch}} channels: {{channels}} height: {{height}} width: {{width}} } }
          {{body}}
          layer { name: "loss" type: "SoftmaxWithLoss" bottom: "out" bottom: "label" top: "loss" }
        }
        """);
    SolverParameter param = NetDefinitions.ParseSolver(text, "worker.prototxt");
    return SolverRegistry.CreateDefault().Create(param, new SolverContext(EngineServices.CreateDefaultRegistry()) { Backend = backend });
}

static string MlpLayers(WorkerOptions o)
{
    string hidden = string.Join("\n", o.Hidden.Select((width, i) => $$"""
        layer { name: "ip{{i}}" type: "InnerProduct" bottom: "{{(i == 0 ? "data" : $"h{i - 1}")}}" top: "h{{i}}"
                inner_product_param { num_output: {{width}} weight_filler { type: "xavier" } bias_filler { type: "constant" value: 0.1 } } }
        layer { name: "relu{{i}}" type: "ReLU" bottom: "h{{i}}" top: "h{{i}}" }
        """));
    return $$"""
        {{hidden}}
        layer { name: "out" type: "InnerProduct" bottom: "h{{o.Hidden.Length - 1}}" top: "out"
                inner_product_param { num_output: 10 weight_filler { type: "xavier" } } }
        """;
}

// Caffe's examples/cifar10/cifar10_quick_train_test.prototxt without the data layers: 145,578 parameters.
static string Cifar10QuickLayers()
{
    static string Conv(string name, string bottom, int outputs, string std) => $$"""
        layer { name: "{{name}}" type: "Convolution" bottom: "{{bottom}}" top: "{{name}}" param { lr_mult: 1 } param { lr_mult: 2 }
                convolution_param { num_output: {{outputs}} pad: 2 kernel_size: 5 stride: 1 weight_filler { type: "gaussian" std: {{std}} } bias_filler { type: "constant" } } }
        """;
    static string Pool(string name, string bottom, string kind) => $$"""
        layer { name: "{{name}}" type: "Pooling" bottom: "{{bottom}}" top: "{{name}}" pooling_param { pool: {{kind}} kernel_size: 3 stride: 2 } }
        """;
    static string Relu(string name, string blob) => $$"""layer { name: "{{name}}" type: "ReLU" bottom: "{{blob}}" top: "{{blob}}" }""";
    static string Ip(string name, string bottom, int outputs) => $$"""
        layer { name: "{{name}}" type: "InnerProduct" bottom: "{{bottom}}" top: "{{name}}" param { lr_mult: 1 } param { lr_mult: 2 }
                inner_product_param { num_output: {{outputs}} weight_filler { type: "gaussian" std: 0.1 } bias_filler { type: "constant" } } }
        """;
    return string.Join("\n",
        Conv("conv1", "data", 32, "0.0001"), Pool("pool1", "conv1", "MAX"), Relu("relu1", "pool1"),
        Conv("conv2", "pool1", 32, "0.01"), Relu("relu2", "conv2"), Pool("pool2", "conv2", "AVE"),
        Conv("conv3", "pool2", 64, "0.01"), Relu("relu3", "conv3"), Pool("pool3", "conv3", "AVE"),
        Ip("ip1", "pool3", 64), Ip("out", "ip1", 10));
}

// Samples depend only on their index, so every rank holds the same data set and reads its own shard of it.
static void Fill(MemoryDataLayer layer, WorkerOptions o)
{
    int count = o.Samples;
    (int channels, int height, int width) = o.SampleShape;
    int inputs = channels * height * width;
    var data = new float[count * inputs];
    var labels = new float[count];
    var random = new EngineRandom(11);
    for (int n = 0; n < count; n++)
    {
        int label = n % 10;
        labels[n] = label;
        for (int i = 0; i < inputs; i++)
        {
            data[n * inputs + i] = (i % 10 == label ? 1f : 0f) + (random.NextFloat() - 0.5f);
        }
    }
    layer.Reset(data, labels, count);
}

internal sealed record WorkerOptions
{
    public string Mode { get; init; } = "train";
    public string Net { get; init; } = "mlp";
    public int Batch { get; init; } = 32;
    public int Iterations { get; init; } = 50;
    public int Warmup { get; init; } = 2;
    public int Inputs { get; init; } = 32;
    public int[] Hidden { get; init; } = [64];
    public int Samples { get; init; } = 512;
    public int Threads { get; init; } = 1;
    public double TimeoutSeconds { get; init; } = 30;
    public int DelayMs { get; init; }
    public int BucketFloats { get; init; } = MpiGradientReducer.DefaultBucketFloats;
    public int ReduceRepetitions { get; init; } = 5;
    public string? Output { get; init; }
    public string? PidDirectory { get; init; }
    public string? SnapshotPrefix { get; init; }
    public string? Resume { get; init; }

    /// <summary>One sample: a vector of --inputs for the MLP, a 3×32×32 image for CIFAR10-quick.</summary>
    public (int Channels, int Height, int Width) SampleShape => Net == "cifar10quick" ? (3, 32, 32) : (Inputs, 1, 1);

    public static WorkerOptions Parse(string[] args)
    {
        var o = new WorkerOptions();
        if (args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal))
        {
            o = o with { Mode = args[0] };
            args = args[1..];
        }
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            string v = args[i + 1];
            int Int() => int.Parse(v, CultureInfo.InvariantCulture);
            o = args[i] switch
            {
                "--net" => o with { Net = v },
                "--batch" => o with { Batch = Int() },
                "--iters" => o with { Iterations = Int() },
                "--warmup" => o with { Warmup = Int() },
                "--inputs" => o with { Inputs = Int() },
                "--hidden" => o with { Hidden = v.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray() },
                "--samples" => o with { Samples = Int() },
                "--threads" => o with { Threads = Int() },
                "--timeout" => o with { TimeoutSeconds = double.Parse(v, CultureInfo.InvariantCulture) },
                "--delay-ms" => o with { DelayMs = Int() },
                "--bucket-floats" => o with { BucketFloats = Int() },
                "--reduce-reps" => o with { ReduceRepetitions = Int() },
                "--out" => o with { Output = v },
                "--pid-dir" => o with { PidDirectory = v },
                "--snapshot-prefix" => o with { SnapshotPrefix = v },
                "--resume" => o with { Resume = v },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }
        return o;
    }
}
