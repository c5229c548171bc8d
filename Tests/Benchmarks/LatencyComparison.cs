using System.Globalization;
using Engine.Embedding;

namespace Engine.Benchmarks;

/// <summary>
/// Latency of one batch-1 inference call (µs), Engine through <see cref="InferenceModel"/>/<see cref="Inference.Run"/> against
/// PyTorch under inference_mode, one thread each: the policy MLP 32-64-64-4 (tanh) and LeNet. The unit also reports the bytes
/// Engine allocated per call on the calling thread (the embedding API promises 0). ONNX Runtime is not compared here.
/// </summary>
internal sealed class LatencyComparison : IComparison
{
    public string Name => "latency";

    public string Description => "batch-1 inference µs per call (and Engine bytes per call) vs PyTorch inference_mode, 1 thread";

    public IReadOnlyList<ComparisonRow> Run(BenchmarkSettings settings)
    {
        Console.Error.WriteLine("latency: ONNX Runtime is not installed here (no onnxruntime for /usr/bin/python3, no package referenced); PyTorch only.");
        using var torch = new TorchReference(1);
        return
        [
            Measure("mlp32-b1-latency", "mlp32", BenchmarkNets.Mlp32(1), torch, settings),
            Measure("lenet-b1-latency", "lenet", BenchmarkNets.LeNet(1, false), torch, settings),
        ];
    }

    private static ComparisonRow Measure(string measure, string model, string netText, TorchReference torch, BenchmarkSettings settings)
    {
        var inference = new InferenceModel(BenchmarkNets.Parse(netText, model), BenchmarkNets.Registry);
        using Inference handle = inference.CreateHandle(1);
        var input = new float[inference.InputSize];
        var output = new float[inference.OutputSize];
        var random = new Random(3);
        for (int i = 0; i < input.Length; i++) input[i] = (float)random.NextDouble();
        void Call() => handle.Run(input, output);

        bool cpu = settings.CpuTime;
        Measurement.SecondsPerRun(Call, 0.3);
        torch.SecondsPerStep(model, "infer", 1, 0.3, cpu);
        const int allocationCalls = 1000;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < allocationCalls; i++) Call();
        double bytesPerCall = (double)(GC.GetAllocatedBytesForCurrentThread() - before) / allocationCalls;

        var engine = new List<double>();
        var reference = new List<double>();
        for (int round = 0; round < settings.Rounds; round++)
        {
            engine.Add(1e6 * Measurement.SecondsPerRun(Call, settings.SecondsPerSample, cpu));
            reference.Add(1e6 * torch.SecondsPerStep(model, "infer", 1, settings.SecondsPerSample, cpu));
        }
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{measure}: Engine {string.Join(" ", engine.Select(x => x.ToString("F2", CultureInfo.InvariantCulture)))} µs, {bytesPerCall:F0} B/call; " +
            $"PyTorch {string.Join(" ", reference.Select(x => x.ToString("F2", CultureInfo.InvariantCulture)))} µs"));
        string unit = string.Create(CultureInfo.InvariantCulture, $"µs/call{(cpu ? " (CPU time)" : "")}, Engine allocates {bytesPerCall:F0} B/call");
        return new ComparisonRow(measure, Measurement.Median(engine), Measurement.Median(reference), unit, false);
    }
}
