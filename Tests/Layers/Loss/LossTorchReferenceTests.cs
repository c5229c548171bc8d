using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;
using static Engine.Tests.Layers.LayerTestKit;

namespace Engine.Tests.Layers.Loss;

/// <summary>
/// Loss layers against PyTorch references (Tests/Fixtures/Layers/make_neuron_loss_fixtures.py), loss weight 1, within
/// 1e-4 relative (+1e-6 absolute for zero gradients):
/// SigmoidCrossEntropyLoss = BCEWithLogits(sum)/N; L1Loss = l1_loss(sum)/N; MulticlassHingeLoss = multi_margin_loss(p, margin 1,
/// sum)·C/N (PyTorch divides each example by the class count C, the lecture's SVM loss does not); MultinomialLogisticLoss =
/// nll_loss(log p, sum)/N.
/// </summary>
public class LossTorchReferenceTests
{
    private const double Rel = 1e-4;
    private const double Abs = 1e-6;

    private static void Check(string name, string type, string[] inputs, string[] gradients, Action<LayerParameter>? configure = null)
    {
        var c = TorchFixtures.Case(name);
        Blob[] bottom = inputs.Select(k => c.Blob(k, c.Ints(k + "_shape"))).ToArray();
        Blob loss = new();
        Layer layer = TestData.SetUp(Def(type, configure), bottom, [loss]);
        layer.Forward(bottom, [loss]);
        Assert.That(loss.Data[0], Is.EqualTo(c.GetProperty("loss").GetDouble()).Within(Rel * Math.Abs(c.GetProperty("loss").GetDouble()) + Abs), "loss");
        loss.MutableDiff[0] = 1f;
        bool[] propagate = inputs.Select(k => gradients.Contains(k)).ToArray();
        layer.Backward([loss], propagate, bottom);
        for (int i = 0; i < inputs.Length; i++)
        {
            if (propagate[i])
            {
                AssertClose(bottom[i].Diff, c.Values("d" + inputs[i]), Rel, Abs, "d" + inputs[i]);
            }
        }
    }

    [Test]
    public void SigmoidCrossEntropy_IsBCEWithLogits() => Check("sigmoid_cross_entropy", "SigmoidCrossEntropyLoss", ["x", "t"], ["x"]);

    [Test]
    public void L1_IsL1LossSumOverN() => Check("l1", "L1Loss", ["a", "b"], ["a", "b"]);

    [TestCase("multiclass_hinge_l1", HingeLossParameter.Types.Norm.L1)]
    [TestCase("multiclass_hinge_l2", HingeLossParameter.Types.Norm.L2)]
    public void MulticlassHinge_IsMultiMarginLoss(string name, HingeLossParameter.Types.Norm norm)
        => Check(name, "MulticlassHingeLoss", ["s", "label"], ["s"], p => p.HingeLossParam = new HingeLossParameter { Norm = norm });

    [Test]
    public void MultinomialLogistic_IsNllOnProbabilities() => Check("multinomial_logistic", "MultinomialLogisticLoss", ["p", "label"], ["p"]);
}
