using System.Diagnostics;
using System.Globalization;
using Engine.Backends.Cpu;
using Engine.Embedding;
using Engine.Solvers;

namespace Engine.Benchmarks;

/// <summary>
/// Per-layer time of the benchmark nets (`profile lenet-b1|mlp32-b1|lenet-train|mlp784-infer [--threads N]`): each layer's
/// forward (and backward for training) is run alone many times; the figure is the fastest of several samples, which on a
/// shared machine is the least disturbed one. This is where the closing notes' per-layer tables come from.
/// `profile lenet-replicas|mlp784-replicas [--threads N]` times whole training steps the same way: one thread on batch 64,
/// N thread replicas of batch 64/N, and one batch-64 net on an N-thread pool, with the parts of the replica step.
/// </summary>
internal static class LayerProfile
{
    public static int Run(string target, int threads)
    {
        switch (target)
        {
            case "lenet-b1": return Inference(BenchmarkNets.LeNet(1, false), "lenet", 2000);
            case "mlp32-b1": return Inference(BenchmarkNets.Mlp32(1), "mlp32", 20000);
            case "lenet-train": return Training(BenchmarkNets.LeNet(64, true), threads, 20);
            case "mlp784-infer": return Training(BenchmarkNets.Mlp784(64, false), threads, 50, forwardOnly: true);
            case "lenet-replicas": return Replicas(BenchmarkNets.LeNet(64, true), Math.Max(2, threads), 20);
            case "mlp784-replicas": return Replicas(BenchmarkNets.Mlp784(64, true), Math.Max(2, threads), 50);
            default:
                Console.Error.WriteLine("profile targets: lenet-b1, mlp32-b1, lenet-train, mlp784-infer, lenet-replicas, mlp784-replicas");
                return 2;
        }
    }

    private static int Inference(string text, string name, int iterations)
    {
        var model = new InferenceModel(BenchmarkNets.Parse(text, name), BenchmarkNets.Registry);
        using Inference handle = model.CreateHandle(1);
        var input = new float[model.InputSize];
        var output = new float[model.OutputSize];
        new Random(3).NextBytes(new byte[1]);
        for (int i = 0; i < input.Length; i++) input[i] = (i % 17) / 17f;
        handle.Run(input, output);
        Net net = handle.Net;
        double whole = Fastest(() => handle.Run(input, output), iterations);
        Report(net, i => Fastest(() => net.ForwardFromTo(i, i), iterations), null, whole);
        return 0;
    }

    private static int Training(string text, int threads, int iterations, bool forwardOnly = false)
    {
        using var pool = new WorkerPool(threads);
        Solver solver = BenchmarkNets.SgdSolver(text, pool);
        Net net = solver.Net;
        BenchmarkNets.FillInputs(net);
        net.ForwardBackward();
        double whole = forwardOnly ? Fastest(() => net.Forward(), iterations) : Fastest(() => solver.Step(1), iterations);
        if (!forwardOnly)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"forward+backward alone {Fastest(() => net.ForwardBackward(), iterations) * 1e6:F2} µs"));
        }
        Report(net, i => Fastest(() => net.ForwardFromTo(i, i), iterations),
            forwardOnly ? null : i => Fastest(() => net.BackwardFromTo(i, i), iterations), whole);
        return 0;
    }

    private static int Replicas(string text, int threads, int iterations)
    {
        const int batch = 64;
        void Line(string what, double seconds) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what,-44} {seconds * 1e6,10:F1} µs{(what.StartsWith("step", StringComparison.Ordinal) ? $"  ({batch / seconds,7:F0} images/s)" : "")}"));
        using (var one = new WorkerPool(1))
        using (Solver solver = BenchmarkNets.SgdSolver(text, one))
        {
            BenchmarkNets.FillInputs(solver.Net);
            Line("step, 1 thread, batch 64", Fastest(() => Step(solver), iterations));
            Line("  forward+backward", Fastest(() => { solver.Net.ClearParamDiffs(); solver.Net.ForwardBackward(); }, iterations));
            Line("  SGD update", Fastest(solver.ApplyGradients, iterations));
        }
        using (var one = new WorkerPool(1))
        using (Solver solver = BenchmarkNets.CreateSolver(
            Distributed.ReplicaBatchSplit.Apply(BenchmarkNets.SgdParameter(text), threads, null), new CpuBackend(one)))
        {
            BenchmarkNets.FillInputs(solver.Net);
            Line($"  forward+backward of one replica, batch {batch / threads}", Fastest(() => { solver.Net.ClearParamDiffs(); solver.Net.ForwardBackward(); }, iterations));
            using var reducer = new Distributed.ThreadReplicaReducer(solver, threads);
            foreach (Net replica in reducer.Replicas) BenchmarkNets.FillInputs(replica);
            Line($"step, {threads} thread replicas x batch {batch / threads}", Fastest(() =>
            {
                solver.Net.ClearParamDiffs();
                float loss = reducer.ForwardBackward(solver.Net);
                reducer.Reduce(solver.Net, loss, solver.Iter);
                solver.ApplyGradients();
            }, iterations));
        }
        using (var pool = new WorkerPool(threads))
        using (Solver solver = BenchmarkNets.SgdSolver(text, pool))
        {
            BenchmarkNets.FillInputs(solver.Net);
            Line($"step, layer-parallel on {threads} threads, batch 64", Fastest(() => Step(solver), iterations));
        }
        return 0;
    }

    private static void Step(Solver solver)
    {
        solver.Net.ClearParamDiffs();
        solver.Net.ForwardBackward();
        solver.ApplyGradients();
    }

    private static void Report(Net net, Func<int, double> forward, Func<int, double>? backward, double whole)
    {
        double sum = 0;
        Console.WriteLine($"{"layer",-10} {"type",-16} {"forward µs",12} {(backward is null ? "" : "backward µs"),12}");
        for (int i = 0; i < net.Layers.Count; i++)
        {
            double f = forward(i) * 1e6;
            double b = backward is null ? 0 : backward(i) * 1e6;
            sum += f + b;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{net.Layers[i].Name,-10} {net.Layers[i].Type,-16} {f,12:F2} {(backward is null ? "" : b.ToString("F2", CultureInfo.InvariantCulture)),12}"));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"sum of layers {sum:F2} µs; whole call/step {whole * 1e6:F2} µs"));
    }

    /// <summary>
    /// Fastest of many short samples (about 1 ms each, so that some fall between the scheduler's preemptions on a loaded
    /// machine) of the mean over a few runs, in seconds; <paramref name="iterations"/> sets the total work.
    /// </summary>
    private static double Fastest(Action action, int iterations)
    {
        // Warm up for a fixed time, not a call count: tiered compilation installs optimised code only ~100 ms after a
        // method's calls settle, so a short warm-up timed the first layer of a type (e.g. relu1: 14 µs instead of 0.8 µs)
        // in tier-0 code while later layers of the same type ran the optimised code.
        long warmUntil = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 4;
        for (int i = 0; i < iterations / 4 + 1 || Stopwatch.GetTimestamp() < warmUntil; i++) action();
        long probe = Stopwatch.GetTimestamp();
        action();
        double once = Math.Max(1e-7, (double)(Stopwatch.GetTimestamp() - probe) / Stopwatch.Frequency);
        int perSample = (int)Math.Clamp(1e-3 / once, 1, iterations);
        int samples = Math.Max(30, iterations * 15 / perSample);
        iterations = perSample;
        double best = double.MaxValue;
        for (int s = 0; s < samples; s++)
        {
            long t0 = Stopwatch.GetTimestamp();
            for (int i = 0; i < iterations; i++) action();
            best = Math.Min(best, (double)(Stopwatch.GetTimestamp() - t0) / Stopwatch.Frequency / iterations);
        }
        return best;
    }
}
