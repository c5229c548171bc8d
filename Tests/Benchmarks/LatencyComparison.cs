using System.Globalization;
using Engine.Embedding;

namespace Engine.Benchmarks;

/// <summary>
/// Latency of one batch-1 inference call (µs), Engine through <see cref="InferenceModel"/>/<see cref="Inference.Run"/>, one
/// thread, against two references: PyTorch under inference_mode and ONNX Runtime with IoBinding running the same net with
/// the same weights (exported by <see cref="OnnxExport"/>; the outputs are checked to agree before timing). Nets: the policy
/// MLP 32-64-64-4 (tanh) and LeNet. The unit also reports the bytes Engine allocated per call on the calling thread
/// (the embedding API promises 0).
/// </summary>
internal sealed class LatencyComparison : IComparison
{
    public string Name => "latency";

    public string Description => "batch-1 inference µs per call (and Engine bytes per call) vs PyTorch inference_mode and ONNX Runtime IoBinding, 1 thread";

    public IReadOnlyList<ComparisonRow> Run(BenchmarkSettings settings)
    {
        using var torch = new TorchReference(1);
        Console.Error.WriteLine($"latency: ONNX Runtime {OnnxRuntimeReference.Version}");
        var rows = new List<ComparisonRow>();
        rows.AddRange(Measure("mlp32-b1-latency", "mlp32", BenchmarkNets.Mlp32(1), torch, settings));
        rows.AddRange(Measure("lenet-b1-latency", "lenet", BenchmarkNets.LeNet(1, false), torch, settings));
        return rows;
    }

    private static ComparisonRow[] Measure(string measure, string model, string netText, TorchReference torch, BenchmarkSettings settings)
    {
        var inference = new InferenceModel(BenchmarkNets.Parse(netText, model), BenchmarkNets.Registry);
        using Inference handle = inference.CreateHandle(1);
        var input = new float[inference.InputSize];
        var output = new float[inference.OutputSize];
        var random = new Random(3);
        for (int i = 0; i < input.Length; i++) input[i] = (float)random.NextDouble();
        void Call() => handle.Run(input, output);

        Net net = handle.Net;
        Blob netInput = net.GetBlob(inference.InputName);
        using var ort = new OnnxRuntimeReference(OnnxExport.Export(net, inference.InputName), inference.InputName,
            netInput.ShapeArray, net.OutputBlobs[0].ShapeArray);
        input.CopyTo(ort.Input, 0);
        Call();
        ort.Run();
        double worst = 0;
        for (int i = 0; i < output.Length; i++) worst = Math.Max(worst, Math.Abs(output[i] - ort.Output[i]));
        if (worst > 1e-4) throw new InvalidOperationException($"{measure}: ONNX Runtime's output differs from Engine's by {worst} (export bug)");

        bool cpu = settings.CpuTime;
        // A long warm-up: with tiered compilation the first 0.3 s of LeNet calls still ran partly unoptimised code (first
        // rounds 60-95 µs, later ones 40 µs; with DOTNET_TieredCompilation=0 every round was 40 µs).
        Measurement.SecondsPerRun(Call, 1.5);
        Measurement.SecondsPerRun(ort.Run, 1.5);
        torch.SecondsPerStep(model, "infer", 1, 0.3, cpu);
        const int allocationCalls = 1000;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < allocationCalls; i++) Call();
        double bytesPerCall = (double)(GC.GetAllocatedBytesForCurrentThread() - before) / allocationCalls;

        var engine = new List<double>();
        var onnx = new List<double>();
        var reference = new List<double>();
        for (int round = 0; round < settings.Rounds; round++)
        {
            engine.Add(1e6 * Measurement.SecondsPerRun(Call, settings.SecondsPerSample, cpu));
            onnx.Add(1e6 * Measurement.SecondsPerRun(ort.Run, settings.SecondsPerSample, cpu));
            reference.Add(1e6 * torch.SecondsPerStep(model, "infer", 1, settings.SecondsPerSample, cpu));
        }
        static string List(List<double> xs) => string.Join(" ", xs.Select(x => x.ToString("F2", CultureInfo.InvariantCulture)));
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{measure}: Engine {List(engine)} µs, {bytesPerCall:F0} B/call; ONNX Runtime {List(onnx)} µs; PyTorch {List(reference)} µs (max |Engine-ORT| {worst:E1})"));
        string clock = cpu ? " (CPU time)" : "";
        string unit = string.Create(CultureInfo.InvariantCulture, $"µs/call{clock}, Engine allocates {bytesPerCall:F0} B/call");
        double median = Measurement.Median(engine);
        return
        [
            new ComparisonRow(measure, median, Measurement.Median(reference), unit + ", vs PyTorch", false),
            new ComparisonRow(measure + "-ort", median, Measurement.Median(onnx), unit + ", vs ONNX Runtime IoBinding", false),
        ];
    }
}
