using Engine.Backends.OpenCL;
using Engine.Backends.Cpu;
using System.Diagnostics;
using System.Globalization;
using Engine.Data;
using Engine.Distributed;
using Engine.Proto;
using Engine.Solvers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Engine.Editor.Commands;

/// <summary>
/// <c>engine train</c>: trains the nets a solver prototxt describes, with Caffe's log lines, a progress line,
/// a live progress bar on a terminal, a loss/accuracy chart at the end, snapshots, resume (<c>--snapshot</c>) and fine-tuning (<c>--weights</c>). Ctrl+C finishes the current iteration,
/// snapshots and exits 0.
/// </summary>
internal sealed class TrainCommand : ICliCommand, IDeclaresOptions
{
    public string Name => "train";

    public string Summary => "Train a net from a solver prototxt (Caffe's 'caffe train').";

    public string Usage => """
        Usage: engine train --solver SOLVER.prototxt [--snapshot STATE.solverstate] [--weights A.caffemodel[,B.caffemodel]] [--iterations N] [--device cpu|opencl:N[,M...]] [--threads N] [--replicas N] [--check-finite]

          --solver      the solver definition (nets and snapshot_prefix are resolved against its directory)
          --snapshot    resume from a .solverstate written by an earlier run
          --weights     initialise from trained weights, matched by layer name (fine-tuning)
          --iterations  override max_iter
          --device      where to train: cpu (default, or ENGINE_DEVICE) or opencl:N (see engine device_query);
                        a comma list (opencl:0,1, cpu,cpu) trains one replica per device, each on batch_size samples
          --threads     CPU worker threads (default: ENGINE_THREADS or the core count)
          --replicas    CPU data parallelism: N replicas of the train net, one thread each, each on
                        batch_size/N samples of the same global batch (batch_size must divide by N;
                        BatchNorm nets are refused); usually faster than splitting each layer over threads
          --check-finite  stop at the first layer whose output or gradient is NaN/Inf, naming it (slower)

        On a terminal a live progress bar shows iteration, loss, lr, images/s and ETA; with --no-color
        or when output is redirected, a plain progress line is printed every display iterations.
        At the end a small chart shows the loss by iteration and the test accuracy by test.
        Ctrl+C finishes the current iteration, writes a snapshot and exits 0.

        Example:
          engine train --solver Samples/FashionLenet/lenet_solver.prototxt
        """;

    public void Declare(System.CommandLine.Command command)
    {
        command.Value("solver", "the solver definition").Value("snapshot", "resume from a .solverstate").Value("weights", "initialise from trained weights (comma-separated)")
            .Value("iterations", "override max_iter").Value("device", "cpu, opencl:N, or a comma list of replicas (opencl:0,1)").Value("threads", "CPU worker threads").Value("replicas", "CPU replicas, one thread each, splitting the batch").Flag("check-finite", "stop at the first NaN/Inf");
    }

    public int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var cl = new CommandLine(args, "check-finite");
        string solverPath = cl.Get("solver") ?? throw new CliError("--solver is required (see engine train --help)");
        string? resume = cl.Get("snapshot");
        string? weights = cl.Get("weights");
        if (resume is not null && weights is not null)
        {
            throw new CliError("give --snapshot or --weights, not both (a snapshot already holds the weights)");
        }
        // Under mpirun every rank trains a replica; rank 0 alone logs, tests and snapshots.
        using DistributedSession? distributed = DistributedSession.StartIfLaunchedByMpirun();
        if (distributed is { IsRoot: false })
        {
            stdout = TextWriter.Null;
        }
        bool terminal = Terminal.IsRich(stdout);
        IAnsiConsole? live = terminal ? Terminal.For(stdout, true) : null;

        using ServiceProvider services = new ServiceCollection()
            .AddEngine()
            .AddLogging(b => b.ClearProviders().SetMinimumLevel(LogLevel.Information).AddProvider(new LineLoggerProvider(stdout, live)))
            .BuildServiceProvider();
        var factory = services.GetRequiredService<SolverFactory>();
        int threadReplicas = cl.Has("replicas") ? cl.GetInt("replicas", 1) : 1;
        if (cl.Has("replicas"))
        {
            if (threadReplicas < 1)
            {
                throw new CliError($"--replicas {threadReplicas}: give a positive number of replicas");
            }
            if (cl.Has("threads") && cl.GetInt("threads", 1) != threadReplicas)
            {
                throw new CliError($"--threads {cl.GetInt("threads", 1)} with --replicas {threadReplicas}: each replica runs on one thread, so give --threads {threadReplicas} or leave it out");
            }
            if (cl.Get("device") is string chosen && !chosen.Trim().Equals("cpu", StringComparison.OrdinalIgnoreCase))
            {
                throw new CliError($"--replicas trains CPU replicas; it cannot be combined with --device {chosen}");
            }
            if (distributed is not null)
            {
                throw new CliError("--replicas trains replicas in this process; under mpirun give each rank one process");
            }
        }
        // With replicas, the solver's net is replica 0 and runs on this thread alone; the others bring their own threads.
        using WorkerPool? pool = cl.Has("replicas") ? new WorkerPool(1) : cl.Has("threads") ? new WorkerPool(cl.GetInt("threads", 1)) : null;
        IReadOnlyList<Backend>? replicas;
        try
        {
            replicas = cl.Get("device") is string list && list.Contains(',') ? BackendSelection.ParseList(list, "--device") : null;
        }
        catch (ArgumentException e)
        {
            throw new CliError(e.Message);
        }
        if (replicas is not null && distributed is not null)
        {
            throw new CliError("--device with several devices trains replicas in this process; under mpirun give each rank one device");
        }
        if (cl.Get("device") is string device || pool is not null)
        {
            Backend backend = replicas is not null ? replicas[0] : cl.Get("device") is string name ? BackendSelection.Parse(name, "--device") : factory.Backend;
            if (pool is not null)
            {
                if (backend.IsDevice)
                {
                    throw new CliError("--threads applies to the CPU backend only");
                }
                backend = new CpuBackend(pool);
            }
            factory = new SolverFactory(factory.Solvers, factory.Layers, backend, factory.LoggerFactory);
        }
        Solver solver;
        try
        {
            SolverParameter param = SolverFactory.LoadParameter(solverPath);
            if (cl.Has("iterations"))
            {
                param.MaxIter = cl.GetInt("iterations", param.MaxIter);
            }
            string? directory = Path.GetDirectoryName(Path.GetFullPath(solverPath));
            if (threadReplicas > 1)
            {
                param = ReplicaBatchSplit.Apply(param, threadReplicas, directory);
            }
            solver = factory.Create(param, directory);
        }
        catch (Exception e) when (e is SolverException or DataSourceException)
        {
            throw new CliError($"{solverPath}: {e.Message}");
        }

        using (solver)
        {
            if (weights is not null)
            {
                foreach (string w in weights.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    try
                    {
                        solver.CopyWeightsFrom(w);
                    }
                    catch (SolverException e)
                    {
                        throw new CliError(e.Message);
                    }
                }
            }
            solver.CheckFinite = cl.Has("check-finite");
            distributed?.Attach(solver);
            LocalReplicaReducer? local;
            try
            {
                local = replicas is { Count: > 1 } ? new LocalReplicaReducer(solver, replicas.Skip(1).ToArray()) : null;
            }
            catch (SolverException e)
            {
                throw new CliError($"--device {cl.Get("device")}: {e.Message}");
            }
            ThreadReplicaReducer? threaded;
            try
            {
                threaded = threadReplicas > 1 ? new ThreadReplicaReducer(solver, threadReplicas) : null;
            }
            catch (SolverException e)
            {
                throw new CliError($"--replicas {threadReplicas}: {e.Message}");
            }
            using (local)
            using (threaded)
            {
                if (local is not null)
                {
                    stdout.WriteLine($"Data-parallel: {local.ReplicaCount} replicas ({string.Join(", ", replicas!.Select(b => b.Name))}), each on batch_size samples; gradients summed in replica order.");
                }
                if (threaded is not null)
                {
                    stdout.WriteLine($"Data-parallel: {threaded.ReplicaCount} CPU replicas, one thread each, each on 1/{threaded.ReplicaCount} of batch_size; gradients summed in replica order.");
                }
                return Train(solver, resume, stdout, live);
            }
        }
    }

    private static int Train(Solver solver, string? resume, TextWriter stdout, IAnsiConsole? live)
    {
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            if (!cancel.IsCancellationRequested)
            {
                // First Ctrl+C: stop cleanly after this iteration; a second one kills the process as usual.
                e.Cancel = true;
                cancel.Cancel();
            }
        };
        Console.CancelKeyPress += onCancel;

        string? lastModel = null;
        solver.SnapshotWritten += (_, e) => lastModel = e.ModelPath;
        var progress = new ProgressReporter(solver, stdout, live);
        var history = new TrainingHistory();
        solver.IterationCompleted += progress.OnIteration;
        solver.IterationCompleted += history.OnIteration;
        solver.TestCompleted += history.OnTest;
        var clock = Stopwatch.StartNew();
        try
        {
            progress.Run(() => solver.Solve(resume, cancel.Token));
        }
        catch (SolverException e)
        {
            throw new CliError(e.Message);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }

        stdout.WriteLine($"Training {(solver.StoppedEarly ? "stopped early" : "finished")} at iteration {solver.Iter} in {Format(clock.Elapsed)}.");
        foreach (TestCompletedEventArgs test in solver.LastTestResults)
        {
            TestScore? accuracy = test.Scores.FirstOrDefault(s => s.Name.Contains("accuracy", StringComparison.OrdinalIgnoreCase));
            string summary = accuracy is not null
                ? $"accuracy = {accuracy.Value.ToString("0.0000", CultureInfo.InvariantCulture)}"
                : string.Join(", ", test.Scores.Select(s => $"{s.Name} = {s.Value.ToString("G6", CultureInfo.InvariantCulture)}"));
            stdout.WriteLine($"Final test (net #{test.TestNet}, iteration {test.Iteration}): {summary}");
        }
        if (lastModel is not null)
        {
            stdout.WriteLine($"Model saved to {lastModel}");
        }
        TrainingChart.Write(history, stdout, live is not null);
        return 0;
    }

    internal static string Format(TimeSpan t) => t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:00}m{t.Seconds:00}s" : t.TotalMinutes >= 1 ? $"{t.Minutes}m{t.Seconds:00}s" : $"{t.TotalSeconds:0.0}s";
}
