using System.Diagnostics;
using System.Globalization;
using Engine.Solvers;

namespace Engine.Editor.Commands;

/// <summary>
/// The training progress line (iteration, loss, lr, images/s, ETA): redrawn in place on a terminal (stderr, a few
/// times a second), printed as a plain stdout line at every display interval otherwise.
/// </summary>
internal sealed class ProgressReporter
{
    private readonly Solver _solver;
    private readonly TextWriter _stdout;
    private readonly bool _terminal;
    private readonly int _imagesPerIteration;
    private readonly int _every;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _startIter = -1;
    private long _lastDrawTicks;
    private bool _drawn;

    public ProgressReporter(Solver solver, TextWriter stdout, bool terminal)
    {
        _solver = solver;
        _stdout = stdout;
        _terminal = terminal;
        int batch = solver.Net.Layers.Count > 0 && solver.Net.TopsOf(0).Count > 0 && solver.Net.TopsOf(0)[0].NumAxes > 0 ? solver.Net.TopsOf(0)[0].ShapeAt(0) : 1;
        _imagesPerIteration = batch * solver.Param.IterSize;
        _every = solver.Param.Display > 0 ? solver.Param.Display : 100;
    }

    public void OnIteration(object? sender, IterationCompletedEventArgs e)
    {
        if (_startIter < 0)
        {
            _startIter = e.Iteration;
            _clock.Restart();
        }
        int done = e.Iteration + 1;
        if (_terminal)
        {
            long now = _clock.ElapsedTicks;
            if (now - _lastDrawTicks < Stopwatch.Frequency / 4 && done < _solver.Param.MaxIter)
            {
                return;
            }
            _lastDrawTicks = now;
            Console.Error.Write("\r\u001b[K" + Line(e, done));
            _drawn = true;
        }
        else if (done % _every == 0)
        {
            _stdout.WriteLine(Line(e, done));
        }
    }

    public void Finish()
    {
        if (_drawn)
        {
            Console.Error.WriteLine();
        }
    }

    private string Line(IterationCompletedEventArgs e, int done)
    {
        double seconds = _clock.Elapsed.TotalSeconds;
        int ran = done - _startIter;
        double itersPerSecond = seconds > 0 ? ran / seconds : 0;
        int remaining = Math.Max(0, _solver.Param.MaxIter - done);
        string eta = itersPerSecond > 0 ? TrainCommand.Format(TimeSpan.FromSeconds(remaining / itersPerSecond)) : "?";
        var c = CultureInfo.InvariantCulture;
        return $"Progress: iteration {done}/{_solver.Param.MaxIter}, loss {e.SmoothedLoss.ToString("0.0000", c)}, lr {e.LearningRate.ToString("G4", c)}, " +
               $"{(itersPerSecond * _imagesPerIteration).ToString("0", c)} images/s, ETA {eta}";
    }
}
