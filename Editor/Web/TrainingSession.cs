using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using Engine.Data;
using Engine.Formats;
using Engine.Proto;
using Engine.Solvers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Engine.Editor.Web;

/// <summary>
/// Runs at most one training of the solver at a time on a background thread, streams its progress to every
/// listener and appends it to a JSON-lines log in the workspace. Stopping finishes the current iteration and snapshots.
/// </summary>
internal sealed class TrainingSession : IDisposable
{
    /// <summary>Serializer settings shared by the log and the event stream.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    private static readonly TimeSpan EventInterval = TimeSpan.FromMilliseconds(50);
    private const int DenseIterations = 100;

    private readonly EditorServerOptions _options;
    private readonly Workspace _workspace;
    private readonly ServiceProvider _services;
    private readonly object _gate = new();
    private readonly List<Channel<TrainingRecord>> _listeners = [];
    private readonly List<TrainingRecord> _currentRun = [];
    private CancellationTokenSource? _cancel;
    private Thread? _thread;
    private TrainingRecord _state = new("state", 0, Running: false, Message: "idle");

    /// <summary>Creates the session for the solver in <paramref name="options"/>.</summary>
    public TrainingSession(EditorServerOptions options, Workspace workspace)
    {
        _options = options;
        _workspace = workspace;
        _services = new ServiceCollection().AddEngine().AddLogging(b => b.ClearProviders()).BuildServiceProvider();
    }

    /// <summary>Whether a run is in progress.</summary>
    public bool Running
    {
        get
        {
            lock (_gate)
            {
                return _thread is not null;
            }
        }
    }

    /// <summary>
    /// Starts training. When <paramref name="netText"/> is given and the solver's net is the edited file, the text
    /// (saved or not) is what trains.
    /// </summary>
    /// <returns>The log file, relative to the workspace.</returns>
    /// <exception cref="InvalidOperationException">No solver, or a run is already going.</exception>
    /// <exception cref="SolverException">The solver or net cannot be built.</exception>
    public string Start(string? netText, int? iterations)
    {
        string solverPath = _options.SolverPath ?? throw new InvalidOperationException("no solver: start 'engine edit' with --solver SOLVER.prototxt");
        lock (_gate)
        {
            if (_thread is not null)
            {
                throw new InvalidOperationException("a training run is already going; stop it first");
            }
        }
        if (iterations is <= 0)
        {
            throw new ArgumentException($"iterations must be positive, got {iterations}");
        }
        SolverParameter param = SolverFactory.LoadParameter(solverPath);
        string solverDirectory = Path.GetDirectoryName(Path.GetFullPath(solverPath))!;
        if (netText is not null)
        {
            UseEditedText(param, solverDirectory, netText);
        }
        if (iterations is int n)
        {
            param.MaxIter = n;
        }
        Solver solver;
        try
        {
            solver = _services.GetRequiredService<SolverFactory>().Create(param, solverDirectory);
        }
        catch (Exception e) when (e is DataSourceException or LayerException or NetException)
        {
            throw new SolverException(e.Message, e);
        }

        string log = Path.Combine(_workspace.Root, $"engine-run-{DateTime.UtcNow:yyyyMMdd-HHmmss-fff}.jsonl");
        StreamWriter logWriter;
        try
        {
            logWriter = new StreamWriter(log, append: false);
        }
        catch
        {
            solver.Dispose();
            throw;
        }
        var cancel = new CancellationTokenSource();
        var thread = new Thread(() => Run(solver, logWriter, log, cancel.Token)) { IsBackground = true, Name = "engine edit training" };
        lock (_gate)
        {
            _currentRun.Clear();
            _cancel = cancel;
            _thread = thread;
        }
        Publish(new TrainingRecord("state", solver.Iter, Running: true, Message: $"training to iteration {param.MaxIter}", Log: _workspace.Relative(log)), null);
        thread.Start();
        return _workspace.Relative(log);
    }

    /// <summary>Asks the run to stop after its current iteration (it then snapshots). False when none is going.</summary>
    public bool Stop()
    {
        lock (_gate)
        {
            if (_cancel is null)
            {
                return false;
            }
            _cancel.Cancel();
            return true;
        }
    }

    /// <summary>Waits until the current run (if any) has ended.</summary>
    public void WaitForRun(TimeSpan timeout)
    {
        Thread? thread;
        lock (_gate)
        {
            thread = _thread;
        }
        thread?.Join(timeout);
    }

    /// <summary>A stream of records: the current state and run so far, then everything new until disposed.</summary>
    public ChannelReader<TrainingRecord> Subscribe(out Action unsubscribe)
    {
        var channel = Channel.CreateUnbounded<TrainingRecord>(new UnboundedChannelOptions { SingleReader = true });
        lock (_gate)
        {
            foreach (TrainingRecord r in _currentRun)
            {
                channel.Writer.TryWrite(r);
            }
            channel.Writer.TryWrite(_state);
            _listeners.Add(channel);
        }
        unsubscribe = () =>
        {
            lock (_gate)
            {
                _listeners.Remove(channel);
            }
            channel.Writer.TryComplete();
        };
        return channel.Reader;
    }

    private void UseEditedText(SolverParameter param, string solverDirectory, string netText)
    {
        string edited = Path.GetFullPath(_options.NetPath);
        bool Same(string path) => path.Length > 0 && Path.GetFullPath(Path.Combine(solverDirectory, path)) == edited;
        if (Same(param.Net))
        {
            param.ClearNet();
            param.NetParam = NetDefinitions.ParseNet(netText, edited);
        }
        else if (Same(param.TrainNet))
        {
            param.ClearTrainNet();
            param.TrainNetParam = NetDefinitions.ParseNet(netText, edited);
        }
    }

    private void Run(Solver solver, StreamWriter log, string logPath, CancellationToken cancel)
    {
        string message;
        int iter;
        using var logScope = log;
        using (solver)
        {
            int batch = BatchSize(solver.Net) * Math.Max(1, solver.Param.IterSize);
            var clock = Stopwatch.StartNew();
            TimeSpan lastEvent = TimeSpan.Zero;
            int lastIter = solver.Iter;
            solver.IterationCompleted += (_, e) =>
            {
                TimeSpan now = clock.Elapsed;
                // Every early iteration is shown; after that the stream is thinned so a fast net does not flood the page.
                bool last = e.Iteration + 1 >= solver.Param.MaxIter;
                if (e.Iteration >= DenseIterations && now - lastEvent < EventInterval && !last)
                {
                    return;
                }
                double seconds = (now - lastEvent).TotalSeconds;
                // The first interval includes building the nets, so it says nothing about speed.
                double? speed = e.Iteration > 0 && seconds > 0 ? (e.Iteration + 1 - lastIter) * batch / seconds : null;
                lastEvent = now;
                lastIter = e.Iteration + 1;
                Publish(new TrainingRecord("iter", e.Iteration + 1, e.Loss, e.LearningRate, speed), log);
            };
            solver.TestCompleted += (_, e) =>
            {
                TestScore? accuracy = e.Scores.FirstOrDefault(s => s.Name.Contains("accuracy", StringComparison.OrdinalIgnoreCase));
                Publish(new TrainingRecord("test", e.Iteration, Loss: e.Loss, Accuracy: accuracy?.Value), log);
            };
            string? snapshot = null;
            solver.SnapshotWritten += (_, e) => snapshot = e.ModelPath;
            try
            {
                solver.Solve(null, cancel);
                message = $"{(solver.StoppedEarly ? "stopped" : "finished")} at iteration {solver.Iter}"
                    + (snapshot is not null ? $"; snapshot {_workspace.Relative(snapshot)}" : "");
            }
            catch (Exception e)
            {
                // This thread has no caller to hand the failure to: any failure ends the run, not the server, and is shown on the page.
                message = $"training failed at iteration {solver.Iter}: {e.Message}";
            }
            iter = solver.Iter;
        }
        // Free the slot before saying so, so that a Train clicked on the "finished" message is not refused.
        lock (_gate)
        {
            _cancel?.Dispose();
            _cancel = null;
            _thread = null;
        }
        Publish(new TrainingRecord("state", iter, Running: false, Message: message, Log: _workspace.Relative(logPath)), log);
    }

    private static int BatchSize(Net net)
    {
        for (int i = 0; i < net.Layers.Count; i++)
        {
            if (net.BottomsOf(i).Count == 0 && net.TopsOf(i) is { Count: > 0 } tops && tops[0].ShapeArray.Length > 0)
            {
                return tops[0].ShapeAt(0);
            }
        }
        return 1;
    }

    private void Publish(TrainingRecord record, StreamWriter? log)
    {
        if (log is not null)
        {
            try
            {
                log.WriteLine(JsonSerializer.Serialize(record, Json));
                log.Flush();
            }
            catch (IOException)
            {
                // A full disk loses the log, not the live curves or the run.
            }
        }
        lock (_gate)
        {
            if (record.Kind == "state")
            {
                _state = record;
            }
            else
            {
                _currentRun.Add(record);
            }
            foreach (Channel<TrainingRecord> listener in _listeners)
            {
                listener.Writer.TryWrite(record);
            }
        }
    }

    /// <summary>Stops a run in progress, waits for its snapshot, and releases the services.</summary>
    public void Dispose()
    {
        if (Stop())
        {
            WaitForRun(TimeSpan.FromSeconds(30));
        }
        _services.Dispose();
    }
}
