using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Engine.Solvers;

public abstract partial class Solver
{
    private readonly float[] _outputWeights;
    private readonly IterationCompletedEventArgs _iterationArgs = new();
    private float[] _recentLosses = [];
    private int _recentCount;
    private int _recentNext;
    private double _recentSum;

    /// <summary>Raised after every update, on the training thread.</summary>
    public event EventHandler<IterationCompletedEventArgs>? IterationCompleted;

    /// <summary>Raised after each test pass, on the training thread.</summary>
    public event EventHandler<TestCompletedEventArgs>? TestCompleted;

    /// <summary>Raised after a snapshot is written.</summary>
    public event EventHandler<SnapshotWrittenEventArgs>? SnapshotWritten;

    /// <summary>Mean loss over the last <c>average_loss</c> iterations of the current <see cref="Step"/> call.</summary>
    public float SmoothedLoss { get; private set; }

    /// <summary>
    /// When set, every iteration checks each layer's outputs and gradients and stops at the first NaN/Inf, naming the
    /// layer, the blob and the iteration (<c>engine train --check-finite</c>). Slower; for diagnosis.
    /// </summary>
    public bool CheckFinite { get; set; }

    /// <summary>Learning rate of the most recent update.</summary>
    public float LearningRate { get; private set; }

    /// <summary>True when the last <see cref="Step"/> or <see cref="Solve"/> returned because cancellation was requested.</summary>
    public bool StoppedEarly { get; private set; }

    /// <summary>The most recent test results, one entry per test net (empty before the first test).</summary>
    public IReadOnlyList<TestCompletedEventArgs> LastTestResults { get; private set; } = [];

    /// <summary>
    /// Runs <paramref name="iterations"/> iterations (fewer if <paramref name="cancellation"/> fires: the current
    /// iteration is finished first). Each iteration: zero diffs, test when due, iter_size forward/backward passes,
    /// display, update, snapshot when due.
    /// </summary>
    public void Step(int iterations, CancellationToken cancellation = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_staleTemporariesRemoved)
        {
            RemoveStaleSnapshotTemporaries();
        }
        int stop = Iter + iterations;
        int average = Param.AverageLoss;
        if (_recentLosses.Length != average)
        {
            _recentLosses = new float[average];
        }
        _recentCount = 0;
        _recentNext = 0;
        _recentSum = 0;
        StoppedEarly = false;
        SynchronizeReplicas();
        while (Iter < stop)
        {
            Net.ClearParamDiffs();
            if (IsRoot && Param.TestInterval > 0 && Iter % Param.TestInterval == 0 && (Iter > 0 || Param.TestInitialization) && _testNets.Count > 0)
            {
                TestAll();
            }
            float loss = ForwardBackwardPasses();
            if (CheckFinite && NetDiagnostics.FirstNonFinite(Net) is string culprit)
            {
                throw new SolverException($"Iteration {Iter}: {culprit}. Training stopped before the update; the weights are unchanged.");
            }
            if (!float.IsFinite(loss))
            {
                // Diverged: updating would write NaN weights (and a later snapshot would overwrite a good one).
                throw new SolverException(
                    $"Iteration {Iter}: the loss is {loss}; training diverged and stopped before the update, so the weights and the last snapshot are unchanged. " +
                    "Lower base_lr, or run with --check-finite to find the layer where it starts.");
            }
            if (Param.DebugInfo)
            {
                foreach (string line in NetDiagnostics.DebugInfo(Net))
                {
                    Logger.LogInformation("{Line}", line);
                }
            }
            UpdateSmoothedLoss(loss);
            bool display = Param.Display > 0 && Iter % Param.Display == 0;
            if (display)
            {
                Logger.LogInformation("Iteration {Iter}, loss = {Loss}", Iter, Fmt(SmoothedLoss));
                LogOutputs();
            }
            ApplyUpdate(display);
            _iterationArgs.Iteration = Iter;
            _iterationArgs.Loss = loss;
            _iterationArgs.SmoothedLoss = SmoothedLoss;
            _iterationArgs.LearningRate = LearningRate;
            Iter++;
            IterationCompleted?.Invoke(this, _iterationArgs);
            if (IsRoot && Param.Snapshot > 0 && Iter % Param.Snapshot == 0)
            {
                Snapshot();
            }
            if (cancellation.IsCancellationRequested && Iter < stop)
            {
                Logger.LogInformation("Stopping at iteration {Iter}: cancellation requested.", Iter);
                StoppedEarly = true;
                break;
            }
        }
    }

    /// <summary>
    /// Caffe's Solve: optionally restores <paramref name="resumeFile"/> (a <c>.solverstate</c>), steps to max_iter,
    /// snapshots (snapshot_after_train, or always when cancelled), then runs a final display forward pass and test when due.
    /// </summary>
    public void Solve(string? resumeFile = null, CancellationToken cancellation = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Logger.LogInformation("Solving {Name}", Net.Name);
        Logger.LogInformation("Learning Rate Policy: {Policy}", Param.LrPolicy);
        if (resumeFile is not null && IsRoot)
        {
            // Only the root reads the snapshot; the others take its state in SynchronizeReplicas, so the number of
            // replicas may differ from the run that wrote it.
            Logger.LogInformation("Restoring previous solver status from {File}", resumeFile);
            Restore(resumeFile);
        }
        _reducerSynchronized = false;
        SynchronizeReplicas();
        Step(Param.MaxIter - Iter, cancellation);
        bool snapshottedNow = Param.Snapshot > 0 && Iter % Param.Snapshot == 0 && Iter > 0;
        if ((Param.SnapshotAfterTrain || StoppedEarly) && !snapshottedNow && IsRoot)
        {
            if (Param.SnapshotPrefix.Length == 0)
            {
                Logger.LogWarning("No snapshot written: snapshot_prefix is not set.");
            }
            else
            {
                Snapshot();
            }
        }
        if (StoppedEarly)
        {
            Logger.LogInformation("Optimization stopped early.");
            return;
        }
        if (Param.Display > 0 && Iter % Param.Display == 0)
        {
            float loss = Net.Forward();
            Logger.LogInformation("Iteration {Iter}, loss = {Loss}", Iter, Fmt(loss));
        }
        if (IsRoot && Param.TestInterval > 0 && Iter % Param.TestInterval == 0 && _testNets.Count > 0)
        {
            TestAll();
        }
        Logger.LogInformation("Optimization Done.");
    }

    /// <summary>Runs every test net for its test_iter batches with the train net's current weights.</summary>
    public IReadOnlyList<TestCompletedEventArgs> TestAll()
    {
        var results = new List<TestCompletedEventArgs>(_testNets.Count);
        for (int i = 0; i < _testNets.Count; i++)
        {
            results.Add(Test(i));
        }
        LastTestResults = results;
        return results;
    }

    /// <summary>Runs test net <paramref name="index"/>: each output element is averaged over test_iter forward passes.</summary>
    public TestCompletedEventArgs Test(int index)
    {
        Logger.LogInformation("Iteration {Iter}, Testing net (#{Index})", Iter, index);
        Net test = _testNets[index];
        test.ShareTrainedLayersWith(Net);
        int batches = Param.TestIter[index];
        double[]? sums = null;
        double lossSum = 0;
        for (int b = 0; b < batches; b++)
        {
            lossSum += test.Forward();
            if (sums is null)
            {
                sums = new double[test.OutputBlobs.Sum(o => o.Count)];
            }
            int k = 0;
            foreach (Blob output in test.OutputBlobs)
            {
                foreach (float v in output.Data)
                {
                    sums[k++] += v;
                }
            }
        }
        float[] weights = OutputLossWeights(test);
        var scores = new List<TestScore>();
        int index2 = 0;
        for (int o = 0; o < test.OutputBlobs.Count; o++)
        {
            Blob output = test.OutputBlobs[o];
            for (int e = 0; e < output.Count; e++, index2++)
            {
                float mean = (float)(sums![index2] / batches);
                scores.Add(new TestScore(output.Name, mean, weights[o]));
                string loss = weights[o] != 0f ? $" (* {Fmt(weights[o])} = {Fmt(weights[o] * mean)} loss)" : "";
                Logger.LogInformation("    Test net output #{Index}: {Name} = {Value}{Loss}", index2, output.Name, Fmt(mean), loss);
            }
        }
        float? meanLoss = null;
        if (Param.TestComputeLoss)
        {
            meanLoss = (float)(lossSum / batches);
            Logger.LogInformation("Test loss: {Loss}", Fmt(meanLoss.Value));
        }
        var result = new TestCompletedEventArgs(index, Iter, scores, meanLoss);
        TestCompleted?.Invoke(this, result);
        return result;
    }

    private void UpdateSmoothedLoss(float loss)
    {
        // Running mean over a ring of the last average_loss losses, as Caffe's UpdateSmoothedLoss.
        if (_recentCount < _recentLosses.Length)
        {
            _recentLosses[_recentCount++] = loss;
            _recentSum += loss;
        }
        else
        {
            _recentSum += loss - _recentLosses[_recentNext];
            _recentLosses[_recentNext] = loss;
            _recentNext = (_recentNext + 1) % _recentLosses.Length;
        }
        SmoothedLoss = (float)(_recentSum / _recentCount);
    }

    private void LogOutputs()
    {
        int score = 0;
        for (int o = 0; o < Net.OutputBlobs.Count; o++)
        {
            Blob output = Net.OutputBlobs[o];
            ReadOnlySpan<float> data = output.Data;
            for (int e = 0; e < data.Length; e++, score++)
            {
                float w = _outputWeights[o];
                string loss = w != 0f ? $" (* {Fmt(w)} = {Fmt(w * data[e])} loss)" : "";
                Logger.LogInformation("    Train net output #{Index}: {Name} = {Value}{Loss}", score, output.Name, Fmt(data[e]), loss);
            }
        }
    }

    /// <summary>Formats a number the way Caffe's log does (6 significant digits, invariant culture).</summary>
    protected static string Fmt(double value) => value.ToString("G6", CultureInfo.InvariantCulture);

    private void OnSnapshotWritten(SnapshotWrittenEventArgs e) => SnapshotWritten?.Invoke(this, e);
}
