namespace Engine.Solvers;

/// <summary>Raised after each training iteration (one update). The instance is reused from one iteration to the next: copy what you keep.</summary>
public sealed class IterationCompletedEventArgs : EventArgs
{
    /// <summary>Index of the iteration that just ran (0-based; the solver's <see cref="Solver.Iter"/> is one more).</summary>
    public int Iteration { get; internal set; }

    /// <summary>Loss of this iteration (mean over the iter_size passes).</summary>
    public float Loss { get; internal set; }

    /// <summary>Mean loss over the last average_loss iterations.</summary>
    public float SmoothedLoss { get; internal set; }

    /// <summary>Learning rate used for this update (before lr_mult).</summary>
    public float LearningRate { get; internal set; }
}

/// <summary>Raised after a test pass over one test net.</summary>
public sealed class TestCompletedEventArgs : EventArgs
{
    /// <summary>Creates the arguments.</summary>
    public TestCompletedEventArgs(int testNet, int iteration, IReadOnlyList<TestScore> scores, float? loss)
    {
        TestNet = testNet;
        Iteration = iteration;
        Scores = scores;
        Loss = loss;
    }

    /// <summary>Which test net (0-based).</summary>
    public int TestNet { get; }

    /// <summary>Number of completed updates when the test ran.</summary>
    public int Iteration { get; }

    /// <summary>Every output element of the test net, averaged over test_iter batches.</summary>
    public IReadOnlyList<TestScore> Scores { get; }

    /// <summary>Mean net loss when test_compute_loss is set; otherwise null.</summary>
    public float? Loss { get; }

    /// <summary>The score of the output blob called <paramref name="name"/> (its first element).</summary>
    /// <exception cref="KeyNotFoundException">No output of that name.</exception>
    public float this[string name] => Scores.FirstOrDefault(s => s.Name == name)?.Value
        ?? throw new KeyNotFoundException($"The test net has no output '{name}'; outputs: {string.Join(", ", Scores.Select(s => s.Name).Distinct())}.");
}

/// <summary>One averaged test output value.</summary>
/// <param name="Name">Output blob name.</param>
/// <param name="Value">Mean over the test batches.</param>
/// <param name="LossWeight">Loss weight of the blob (0 for accuracies and predictions).</param>
public sealed record TestScore(string Name, float Value, float LossWeight);

/// <summary>Raised after a snapshot has been written.</summary>
public sealed class SnapshotWrittenEventArgs : EventArgs
{
    /// <summary>Creates the arguments.</summary>
    public SnapshotWrittenEventArgs(int iteration, string modelPath, string statePath)
    {
        Iteration = iteration;
        ModelPath = modelPath;
        StatePath = statePath;
    }

    /// <summary>Number of completed updates in the snapshot.</summary>
    public int Iteration { get; }

    /// <summary>The <c>.caffemodel</c> written.</summary>
    public string ModelPath { get; }

    /// <summary>The <c>.solverstate</c> written.</summary>
    public string StatePath { get; }
}
