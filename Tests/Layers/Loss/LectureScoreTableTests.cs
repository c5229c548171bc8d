using Engine.Tests.Support;
using NUnit.Framework;
using static Engine.Tests.Layers.LayerTestKit;

namespace Engine.Tests.Layers.Loss;

/// <summary>
/// The lectures' worked example: classes cat, chair, car; three examples whose true classes are cat, chair, car; scores by
/// class (column i = example i): cat 3.2/1.3/2.2, chair 5.1/4.9/2.5, car −1.7/2.0/−3.1. Expected values are computed here
/// from the formulas; the slides' printed 10.9 (hinge, example 3) and 9.12 (cross-entropy mean) are arithmetic slips — the
/// exact figures are hinge 2.9, 0, 12.9 (mean 79/15 ≈ 5.27) and cross-entropy 2.040, 0.079, 6.156 (mean 2.7587, quoted
/// truncated as 2.758).
/// </summary>
public class LectureScoreTableTests
{
    // Rows = examples, columns = classes (cat, chair, car).
    private static readonly float[,] Scores =
    {
        { 3.2f, 5.1f, -1.7f },
        { 1.3f, 4.9f, 2.0f },
        { 2.2f, 2.5f, -3.1f },
    };

    private static readonly int[] TrueClass = [0, 1, 2];

    private static double SvmLoss(int example)
    {
        int y = TrueClass[example];
        double sum = 0;
        for (int j = 0; j < 3; j++)
        {
            if (j != y)
            {
                sum += Math.Max(0, (double)Scores[example, j] - Scores[example, y] + 1);
            }
        }
        return sum;
    }

    private static double CrossEntropy(int example)
    {
        double z = 0;
        for (int j = 0; j < 3; j++)
        {
            z += Math.Exp(Scores[example, j]);
        }
        return -Math.Log(Math.Exp(Scores[example, TrueClass[example]]) / z);
    }

    private static double LayerLoss(string type, int[] examples)
    {
        Blob s = new(examples.Length, 3), label = new(examples.Length), loss = new();
        for (int i = 0; i < examples.Length; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                s.MutableData[i * 3 + j] = Scores[examples[i], j];
            }
            label.MutableData[i] = TrueClass[examples[i]];
        }
        Layer layer = TestData.SetUp(Def(type), [s, label], [loss]);
        layer.Forward([s, label], [loss]);
        return loss.Data[0];
    }

    [TestCase(0, 2.9)]
    [TestCase(1, 0.0)]
    [TestCase(2, 12.9)]
    public void MulticlassHinge_PerExample(int example, double rounded)
    {
        double expected = SvmLoss(example);
        Assert.That(LayerLoss("MulticlassHingeLoss", [example]), Is.EqualTo(expected).Within(1e-5));
        Assert.That(Math.Round(expected, 1), Is.EqualTo(rounded));
    }

    [Test]
    public void MulticlassHinge_MeanIs79Over15()
    {
        double expected = (SvmLoss(0) + SvmLoss(1) + SvmLoss(2)) / 3;
        Assert.That(LayerLoss("MulticlassHingeLoss", [0, 1, 2]), Is.EqualTo(expected).Within(1e-5));
        Assert.That(expected, Is.EqualTo(79.0 / 15).Within(1e-6));
        Assert.That(Math.Round(expected, 2), Is.EqualTo(5.27));
        Assert.That(Math.Round(SvmLoss(2), 1), Is.Not.EqualTo(10.9), "the slide's 10.9 is a slip");
    }

    [TestCase(0, 2.040)]
    [TestCase(1, 0.079)]
    [TestCase(2, 6.156)]
    public void SoftmaxCrossEntropy_PerExample(int example, double rounded)
    {
        double expected = CrossEntropy(example);
        Assert.That(LayerLoss("SoftmaxWithLoss", [example]), Is.EqualTo(expected).Within(1e-4 * expected + 1e-6));
        Assert.That(Math.Round(expected, 3), Is.EqualTo(rounded));
    }

    [Test]
    public void SoftmaxCrossEntropy_MeanIs2_7587()
    {
        double expected = (CrossEntropy(0) + CrossEntropy(1) + CrossEntropy(2)) / 3;
        Assert.That(LayerLoss("SoftmaxWithLoss", [0, 1, 2]), Is.EqualTo(expected).Within(1e-4 * expected));
        // Exactly 2.75865…: the quoted 2.758 is the value truncated to three decimals (rounded it is 2.759).
        Assert.That(Math.Truncate(expected * 1000) / 1000, Is.EqualTo(2.758));
        Assert.That(Math.Round(expected, 3), Is.EqualTo(2.759));
        Assert.That(Math.Round(expected, 2), Is.Not.EqualTo(9.12), "the slide's 9.12 is a slip");
    }
}
