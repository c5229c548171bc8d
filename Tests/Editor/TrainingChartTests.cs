using Engine.Editor.Commands;
using NUnit.Framework;

namespace Engine.Tests.Editor;

/// <summary>The loss/accuracy chart <c>engine train</c> prints at the end.</summary>
public class TrainingChartTests
{
    [Test]
    public void Bucket_AveragesLongSeriesIntoTheColumnCount()
    {
        double[] values = Enumerable.Range(0, 120).Select(i => (double)i).ToArray();
        double[] buckets = TrainingChart.Bucket(values, 60);
        Assert.That(buckets, Has.Length.EqualTo(60));
        Assert.That(buckets[0], Is.EqualTo(0.5).Within(1e-12));
        Assert.That(buckets[^1], Is.EqualTo(118.5).Within(1e-12));
        Assert.That(TrainingChart.Bucket([3, 1], 60), Is.EqualTo(new double[] { 3, 1 }));
    }

    [Test]
    public void Series_FallingLossDrawsAFallingSparkline_WithFirstAndLastValues()
    {
        string[] lines = TrainingChart.Series("Loss", [2.0, 1.5, 1.0, 0.5, 0.25]);
        Assert.That(lines, Has.Length.EqualTo(2));
        Assert.That(lines[0], Is.EqualTo("Loss (min 0.2500, max 2.0000):"));
        Assert.That(lines[1], Is.EqualTo("  2.0000 █▆▄▂▁ 0.2500"));
    }

    [Test]
    public void Lines_NameIterationsAndTests_AndFitEightyColumns()
    {
        var history = new TrainingHistory();
        history.Losses.AddRange(Enumerable.Range(1, 5000).Select(i => (i, 2f / i)));
        history.Accuracies.Add((2, 0.5f));
        List<string> lines = TrainingChart.Lines(history);
        Assert.That(lines, Has.Count.EqualTo(4));
        Assert.That(lines[0], Does.StartWith("Loss, iterations 1-5000 (min 0.0004, max 2.0000)"));
        Assert.That(lines[2], Does.StartWith("Test accuracy, 1 test "));
        Assert.That(lines.Max(l => l.Length), Is.LessThan(80));
        Assert.That(TrainingChart.Lines(new TrainingHistory()), Is.Empty);
    }
}
