using System.Globalization;
using Engine.Backends.Cpu;
using Engine.Backends.OpenCL;
using Engine.Solvers;

namespace Engine.Benchmarks;

/// <summary>
/// LeNet training images/s at batch 64 (ClearParamDiffs + ForwardBackward + the SGD solver's update), the whole step on
/// OpenCL device 0 (PoCL on this machine; the update runs in solvers.cl) against Engine's CPU backend on 2 threads.
/// Each step reads the loss back, so the device queue is drained every step and the figure is not an enqueue rate.
/// Skipped, with the reason on stderr, when OpenCL is unavailable.
/// </summary>
internal sealed class OpenCLLenetTrainingComparison : IComparison
{
    private const int Batch = 64;

    public string Name => "opencl-lenet";

    public string Description => "Caffe LeNet batch 64 training images/s, OpenCL (device 0, e.g. PoCL) vs Engine's CPU backend on 2 threads";

    public IReadOnlyList<ComparisonRow> Run(BenchmarkSettings settings)
    {
        if (OpenCLPlatform.Availability is { } problem)
        {
            Console.Error.WriteLine($"opencl-lenet skipped: {problem}");
            return [];
        }
        OpenCLBackend cl = OpenCLBackend.Open(0);
        using var pool = new WorkerPool(2);
        string net = BenchmarkNets.LeNet(Batch, true);
        using Solver device = BenchmarkNets.SgdSolver(net, cl);
        using Solver cpu = BenchmarkNets.SgdSolver(net, new CpuBackend(pool));
        BenchmarkNets.FillInputs(device.Net);
        BenchmarkNets.FillInputs(cpu.Net);
        Action deviceStep = () => Step(device);
        Action cpuStep = () => Step(cpu);
        Measurement.SecondsPerRun(deviceStep, 0.5); // program build (or cache load), first upload
        Measurement.SecondsPerRun(cpuStep, 0.3);
        var engine = new List<double>();
        var reference = new List<double>();
        for (int round = 0; round < settings.Rounds; round++)
        {
            engine.Add(Batch / Measurement.SecondsPerRun(deviceStep, settings.SecondsPerSample));
            reference.Add(Batch / Measurement.SecondsPerRun(cpuStep, settings.SecondsPerSample));
        }
        var row = new ComparisonRow("opencl-lenet-train", Measurement.Median(engine), Measurement.Median(reference), "images/s", true);
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{row.Measure} on {cl.Device.Name}: OpenCL {string.Join(" ", engine.Select(BenchmarkNets.Format))}; CPU backend 2t {string.Join(" ", reference.Select(BenchmarkNets.Format))}"));
        return [row];
    }

    private static void Step(Solver solver)
    {
        solver.Net.ClearParamDiffs();
        solver.Net.ForwardBackward();
        solver.ApplyGradients();
    }
}
