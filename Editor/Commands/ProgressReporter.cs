using System.Diagnostics;
using System.Globalization;
using Engine.Solvers;
using Spectre.Console;

namespace Engine.Editor.Commands;

/// <summary>
/// Training progress (iteration, loss, lr, images/s, ETA): a live Spectre.Console progress bar on a terminal, a plain
/// stdout line at every display interval otherwise.
/// </summary>
internal sealed class ProgressReporter
{
    private readonly Solver _solver;
    private readonly TextWriter _stdout;
    private readonly IAnsiConsole? _live;
    private readonly int _imagesPerIteration;
    private readonly int _every;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _startIter = -1;
    private ProgressTask? _task;

    /// <summary>Reports on <paramref name="solver"/>; <paramref name="live"/> is the terminal console, or null for plain lines.</summary>
    public ProgressReporter(Solver solver, TextWriter stdout, IAnsiConsole? live)
    {
        _solver = solver;
        _stdout = stdout;
        _live = live;
        int batch = solver.Net.Layers.Count > 0 && solver.Net.TopsOf(0).Count > 0 && solver.Net.TopsOf(0)[0].NumAxes > 0 ? solver.Net.TopsOf(0)[0].ShapeAt(0) : 1;
        // Replicas in this process each read their own batch of one iteration: report the images of all of them.
        int replicas = solver.GradientReducer is Engine.Distributed.LocalReplicaReducer or Engine.Distributed.ThreadReplicaReducer ? solver.GradientReducer.ReplicaCount : 1;
        _imagesPerIteration = batch * solver.Param.IterSize * replicas;
        _every = solver.Param.Display > 0 ? solver.Param.Display : 100;
    }

    /// <summary>Runs <paramref name="train"/>, with the live bar around it on a terminal.</summary>
    public void Run(Action train)
    {
        if (_live is null)
        {
            train();
            return;
        }
        _live.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context =>
            {
                _task = context.AddTask("starting", maxValue: Math.Max(1, _solver.Param.MaxIter));
                _task.Value = _solver.Iter;
                train();
                _task.Value = _task.MaxValue;
                _task.StopTask();
            });
    }

    /// <summary>Solver callback after every iteration.</summary>
    public void OnIteration(object? sender, IterationCompletedEventArgs e)
    {
        if (_startIter < 0)
        {
            _startIter = e.Iteration;
            _clock.Restart();
        }
        int done = e.Iteration + 1;
        if (_task is not null)
        {
            // The task only stores values; Spectre redraws on its own thread a few times a second.
            _task.Value = done;
            _task.Description = Markup.Escape(Line(e, done, brief: true));
        }
        else if (done % _every == 0)
        {
            _stdout.WriteLine(Line(e, done, brief: false));
        }
    }

    private string Line(IterationCompletedEventArgs e, int done, bool brief)
    {
        double seconds = _clock.Elapsed.TotalSeconds;
        int ran = done - _startIter;
        double itersPerSecond = seconds > 0 ? ran / seconds : 0;
        int remaining = Math.Max(0, _solver.Param.MaxIter - done);
        string eta = itersPerSecond > 0 ? TrainCommand.Format(TimeSpan.FromSeconds(remaining / itersPerSecond)) : "?";
        var c = CultureInfo.InvariantCulture;
        string stats = $"loss {e.SmoothedLoss.ToString("0.0000", c)}, lr {e.LearningRate.ToString("G4", c)}, {(itersPerSecond * _imagesPerIteration).ToString("0", c)} images/s, ETA {eta}";
        return brief ? $"iter {done}/{_solver.Param.MaxIter}  {stats}" : $"Progress: iteration {done}/{_solver.Param.MaxIter}, {stats}";
    }
}
