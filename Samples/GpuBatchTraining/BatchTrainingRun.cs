using System.Diagnostics;
using System.Globalization;
using Engine.Backends.OpenCL;
using Engine.Formats;
using Engine.Proto;
using Engine.Solvers;
using Microsoft.Extensions.DependencyInjection;

namespace Engine.Samples.GpuBatchTraining;

/// <summary>
/// Trains the FashionLenet sample's LeNet with a larger train batch on the chosen backend, then scores it on the
/// test set. On OpenCL the whole step (forward, backward, solver update) stays on the device; only the loss comes back.
/// </summary>
internal static class BatchTrainingRun
{
    /// <summary>Runs the training described by <paramref name="options"/>, writing progress to <paramref name="log"/>.</summary>
    /// <exception cref="DirectoryNotFoundException">The Fashion-MNIST directory is missing (says how to install it).</exception>
    public static BatchTrainingResult Run(BatchTrainingOptions options, TextWriter log)
    {
        if (!Directory.Exists(options.DataDirectory))
        {
            throw new DirectoryNotFoundException(
                $"Fashion-MNIST not found in '{options.DataDirectory}': install it with `apt-get install dataset-fashion-mnist`, or pass --data DIR.");
        }
        Backend backend = BackendSelection.Parse(options.Device, "--device");
        SolverParameter param = Definition(options);
        using Solver solver = SolverRegistry.CreateDefault().Create(param, new SolverContext(EngineServices.CreateDefaultRegistry()) { Backend = backend });
        float lr = param.BaseLr;
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"LeNet on Fashion-MNIST, {backend.Name}: {options.Iterations} iterations of batch {options.Batch}, base_lr {lr:G4}"));

        // The first iteration builds (or loads) the device programs and uploads the weights: timed apart.
        var warm = Stopwatch.StartNew();
        solver.Step(1);
        warm.Stop();
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"first iteration (program build, upload): {warm.Elapsed.TotalSeconds:F1} s"));

        var clock = Stopwatch.StartNew();
        void Progress(object? sender, IterationCompletedEventArgs e)
        {
            int done = e.Iteration + 1;
            if (done % options.Display == 0 || done == options.Iterations)
            {
                double rate = (done - 1) * (double)options.Batch / clock.Elapsed.TotalSeconds;
                log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"iteration {done}, loss {e.SmoothedLoss:F4}, {rate:F0} images/s"));
            }
        }
        solver.IterationCompleted += Progress;
        solver.Step(options.Iterations - 1);
        clock.Stop();
        solver.IterationCompleted -= Progress;
        double imagesPerSecond = options.Iterations > 1 ? (options.Iterations - 1) * (double)options.Batch / clock.Elapsed.TotalSeconds : 0;

        var testClock = Stopwatch.StartNew();
        TestCompletedEventArgs test = solver.Test(0);
        testClock.Stop();
        float accuracy = test.Scores.First(s => s.Name == "accuracy").Value;
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"trained {options.Iterations} iterations in {warm.Elapsed.TotalSeconds + clock.Elapsed.TotalSeconds:F1} s: {imagesPerSecond:F0} images/s on {backend.Name}"));
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"test accuracy over {options.TestBatches * 100} images: {accuracy * 100:F2} % ({testClock.Elapsed.TotalSeconds:F1} s)"));
        return new BatchTrainingResult(backend.Name, options.Iterations, options.Batch, imagesPerSecond, solver.SmoothedLoss, accuracy, warm.Elapsed + clock.Elapsed, testClock.Elapsed);
    }

    /// <summary>The FashionLenet solver and net with this run's batch, rate, iterations and data directory; no periodic tests or snapshots.</summary>
    internal static SolverParameter Definition(BatchTrainingOptions options)
    {
        string solverPath = Path.Combine(AppContext.BaseDirectory, "FashionLenet", "lenet_solver.prototxt");
        SolverParameter param = SolverFactory.LoadParameter(solverPath);
        NetParameter net = NetDefinitions.LoadNet(Path.Combine(Path.GetDirectoryName(solverPath)!, param.Net));
        foreach (LayerParameter layer in net.Layer.Where(l => l.Type == "Data"))
        {
            // A directory source reads train-* in TRAIN and t10k-* in TEST.
            layer.DataParam.Source = options.DataDirectory;
            if (layer.Include.Any(r => r.Phase == Phase.Train))
            {
                layer.DataParam.BatchSize = (uint)options.Batch;
            }
        }
        param.ClearNet();
        param.NetParam = net;
        param.BaseLr = options.EffectiveLearningRate;
        param.MaxIter = options.Iterations;
        param.TestIter.Clear();
        param.TestIter.Add(options.TestBatches);
        // The solver wants an interval when there is a test net; one no run reaches, so it tests once, at the end, when told.
        param.TestInterval = int.MaxValue;
        param.TestInitialization = false;
        param.Display = 0;
        param.Snapshot = 0;
        param.SnapshotAfterTrain = false;
        return param;
    }
}
