using Engine.Solvers;

namespace Engine.Editor.Commands;

/// <summary>What a training run reported, kept for the chart printed at the end: smoothed loss per iteration and test accuracy per test.</summary>
internal sealed class TrainingHistory
{
    /// <summary>(iteration, smoothed loss) for every completed iteration.</summary>
    public List<(int Iteration, float Loss)> Losses { get; } = [];

    /// <summary>(iteration, accuracy) of the first test net's first accuracy-like score, per test.</summary>
    public List<(int Iteration, float Accuracy)> Accuracies { get; } = [];

    /// <summary>Records one iteration.</summary>
    public void OnIteration(object? sender, IterationCompletedEventArgs e) => Losses.Add((e.Iteration + 1, e.SmoothedLoss));

    /// <summary>Records one test.</summary>
    public void OnTest(object? sender, TestCompletedEventArgs e)
    {
        TestScore? accuracy = e.Scores.FirstOrDefault(s => s.Name.Contains("accuracy", StringComparison.OrdinalIgnoreCase));
        if (e.TestNet == 0 && accuracy is not null)
        {
            Accuracies.Add((e.Iteration, accuracy.Value));
        }
    }
}
