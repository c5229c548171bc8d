using System.Diagnostics;

namespace Engine;

/// <summary>
/// A forward pass run in slices so that a large net never stalls a frame: each <see cref="RunFor"/> runs whole layers
/// until the time budget is spent, and the next call resumes where it stopped. One job per net, reused (no allocation).
/// </summary>
public sealed class ForwardJob
{
    private readonly Net _net;
    private int _next;
    private float _loss;

    internal ForwardJob(Net net)
    {
        _net = net;
        _next = net.Layers.Count;
    }

    /// <summary>True when every layer has run.</summary>
    public bool IsDone => _next >= _net.Layers.Count;

    /// <summary>Index of the next layer to run.</summary>
    public int NextLayer => _next;

    /// <summary>The weighted loss of the layers run so far.</summary>
    public float Loss => _loss;

    internal void Restart()
    {
        _next = 0;
        _loss = 0f;
    }

    /// <summary>
    /// Runs layers until the budget is spent (at least one layer per call, so the job always progresses).
    /// Returns <see cref="IsDone"/>.
    /// </summary>
    public bool RunFor(TimeSpan budget)
    {
        long start = Stopwatch.GetTimestamp();
        long limit = (long)(budget.TotalSeconds * Stopwatch.Frequency);
        do
        {
            if (IsDone)
            {
                break;
            }
            _loss += _net.ForwardFromTo(_next, _next);
            _next++;
        }
        while (Stopwatch.GetTimestamp() - start < limit);
        return IsDone;
    }

    /// <summary>Runs every remaining layer.</summary>
    public void RunToEnd()
    {
        while (!IsDone)
        {
            _loss += _net.ForwardFromTo(_next, _next);
            _next++;
        }
    }
}
