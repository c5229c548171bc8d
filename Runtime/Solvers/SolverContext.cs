using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Engine.Solvers;

/// <summary>What a solver needs besides its <see cref="Proto.SolverParameter"/>: where layers come from, where to log, where relative paths start.</summary>
public sealed class SolverContext
{
    /// <summary>Creates a context.</summary>
    public SolverContext(LayerRegistry layers)
    {
        Layers = layers ?? throw new ArgumentNullException(nameof(layers));
    }

    /// <summary>Layer types the nets are built with.</summary>
    public LayerRegistry Layers { get; }

    /// <summary>Backend of the nets; null is the CPU.</summary>
    public Backend? Backend { get; init; }

    /// <summary>Receives Caffe-style progress lines (<c>Iteration 100, loss = 0.31</c>).</summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>
    /// Directory that relative net file names (<c>net</c>, <c>train_net</c>, <c>test_net</c>) and a relative
    /// <c>snapshot_prefix</c> are resolved against: the solver file's directory. Null resolves against the working directory.
    /// </summary>
    public string? BaseDirectory { get; init; }
}
