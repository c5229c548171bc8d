using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;
using static Engine.Tests.Layers.Common.CommonFixtures;

namespace Engine.Tests.Layers.Common;

/// <summary>ArgMax and Accuracy against values worked out by hand (Caffe's tie rules included).</summary>
public class ArgMaxAccuracyTests
{
    // Two samples of five scores; sample 1 has a tie between classes 1 and 3.
    private static Blob Scores() => TestData.Of([2, 5], 0.1f, 0.7f, 0.3f, 0.9f, -1f, 2f, 5f, 1f, 5f, 4f);

    [Test]
    public void ArgMax_TopK_PerSample()
    {
        Blob x = Scores(), y = new();
        Layer layer = TestData.SetUp(Def("ArgMax", p => p.ArgmaxParam = new ArgMaxParameter { TopK = 2 }), [x], [y]);
        layer.Forward([x], [y]);
        Assert.That(y.ShapeArray, Is.EqualTo(new[] { 2, 1, 2 }));
        // Sample 0: 0.9 (3), 0.7 (1). Sample 1: the tie 5 = 5 ranks the higher index (3) first.
        Assert.That(y.Data.ToArray(), Is.EqualTo(new float[] { 3, 1, 3, 1 }));
    }

    [Test]
    public void ArgMax_OutMaxVal_PerSample()
    {
        Blob x = Scores(), y = new();
        Layer layer = TestData.SetUp(Def("ArgMax", p => p.ArgmaxParam = new ArgMaxParameter { TopK = 2, OutMaxVal = true }), [x], [y]);
        layer.Forward([x], [y]);
        Assert.That(y.ShapeArray, Is.EqualTo(new[] { 2, 2, 2 }));
        Assert.That(y.Data.ToArray(), Is.EqualTo(new float[] { 3, 1, 0.9f, 0.7f, 3, 1, 5, 5 }));
    }

    [Test]
    public void ArgMax_AlongAxis()
    {
        // (2, 3, 2): along axis 1 for each (n, w).
        Blob x = TestData.Of([2, 3, 2], 1, 6, 3, 5, 2, 4, /* n=1 */ 9, 0, 7, 2, 8, 1);
        Blob y = new(), v = new();
        Layer layer = TestData.SetUp(Def("ArgMax", p => p.ArgmaxParam = new ArgMaxParameter { Axis = 1 }), [x], [y]);
        layer.Forward([x], [y]);
        Assert.That(y.ShapeArray, Is.EqualTo(new[] { 2, 1, 2 }));
        Assert.That(y.Data.ToArray(), Is.EqualTo(new float[] { 1, 0, 0, 1 }));
        Layer values = TestData.SetUp(Def("ArgMax", p => p.ArgmaxParam = new ArgMaxParameter { Axis = -2, TopK = 2, OutMaxVal = true }), [x], [v]);
        values.Forward([x], [v]);
        Assert.That(v.ShapeArray, Is.EqualTo(new[] { 2, 2, 2 }));
        Assert.That(v.Data.ToArray(), Is.EqualTo(new float[] { 3, 6, 2, 5, 9, 2, 8, 1 }));
    }

    [Test]
    public void ArgMax_TopKTooLarge_IsError()
    {
        Blob x = Scores();
        var ex = Assert.Throws<LayerException>(() => TestData.SetUp(Def("ArgMax", p => p.ArgmaxParam = new ArgMaxParameter { TopK = 6 }), [x], [new()]));
        Assert.That(ex!.Message, Does.Contain("argmax1").And.Contain("2 5"));
        Assert.Throws<LayerException>(() => TestData.SetUp(Def("ArgMax", p => p.ArgmaxParam = new ArgMaxParameter { Axis = 2 }), [x], [new()]));
    }

    [Test]
    public void Accuracy_Top1_TiesCountAgainst()
    {
        // Sample 0: label 3 is the strict max → correct. Sample 1: label 1 ties with class 3 → wrong.
        Blob x = Scores(), label = TestData.Of([2], 3, 1), y = new();
        Layer layer = TestData.SetUp(Def("Accuracy"), [x, label], [y]);
        layer.Forward([x, label], [y]);
        Assert.That(y.ShapeArray, Is.Empty);
        Assert.That(y.Data[0], Is.EqualTo(0.5f));
        Assert.That(layer.IsLoss, Is.False);
        Assert.That(layer.LossWeight(0), Is.EqualTo(0f));
    }

    [TestCase(1, 0f)]
    [TestCase(2, 0.5f)]
    [TestCase(3, 1f)]
    public void Accuracy_TopK(int k, float expected)
    {
        // Sample 0, label 1 (0.7): one class (3, 0.9) scores higher → correct from k = 2.
        // Sample 1, label 4 (4): classes 1 and 3 (5, 5) score higher → correct from k = 3.
        Blob x = Scores(), label = TestData.Of([2], 1, 4), y = new();
        Layer layer = TestData.SetUp(Def("Accuracy", p => p.AccuracyParam = new AccuracyParameter { TopK = (uint)k }), [x, label], [y]);
        layer.Forward([x, label], [y]);
        Assert.That(y.Data[0], Is.EqualTo(expected));
    }

    [Test]
    public void Accuracy_IgnoreLabelAndPerClass()
    {
        // Three samples, three classes. Sample 2's label is ignored.
        Blob x = TestData.Of([3, 3], 0.2f, 0.5f, 0.3f, 0.9f, 0.05f, 0.05f, 0.1f, 0.1f, 0.8f);
        Blob label = TestData.Of([3], 1, 2, 7), y = new(), perClass = new();
        Layer layer = TestData.SetUp(Def("Accuracy", p => p.AccuracyParam = new AccuracyParameter { IgnoreLabel = 7 }), [x, label], [y, perClass]);
        layer.Forward([x, label], [y, perClass]);
        // Sample 0 (label 1, 0.5 is max) correct; sample 1 (label 2, 0.05 ties class 1 and loses to 0) wrong.
        Assert.That(y.Data[0], Is.EqualTo(0.5f));
        Assert.That(perClass.ShapeArray, Is.EqualTo(new[] { 3 }));
        Assert.That(perClass.Data.ToArray(), Is.EqualTo(new float[] { 0f, 1f, 0f }));
    }

    [Test]
    public void Accuracy_SpatialAxis()
    {
        // (1, 2, 3): two classes at three positions; labels per position.
        Blob x = TestData.Of([1, 2, 3], 1, 0, 5, 2, 0, 4), label = TestData.Of([1, 3], 1, 1, 0), y = new();
        Layer layer = TestData.SetUp(Def("Accuracy"), [x, label], [y]);
        layer.Forward([x, label], [y]);
        // Position 0: class 1 (2) > class 0 (1) → correct; position 1: tie 0 = 0 → wrong; position 2: class 0 (5) > 4 → correct.
        Assert.That(y.Data[0], Is.EqualTo(2f / 3f).Within(1e-7));
    }

    [Test]
    public void Accuracy_AllIgnored_IsZero_AndBadLabelCount_IsError()
    {
        Blob x = Scores(), label = TestData.Of([2], -1, -1), y = new();
        Layer layer = TestData.SetUp(Def("Accuracy", p => p.AccuracyParam = new AccuracyParameter { IgnoreLabel = -1 }), [x, label], [y]);
        layer.Forward([x, label], [y]);
        Assert.That(y.Data[0], Is.EqualTo(0f));
        var ex = Assert.Throws<LayerException>(() => TestData.SetUp(Def("Accuracy"), [x, TestData.Of([3], 0, 0, 0)], [new()]));
        Assert.That(ex!.Message, Does.Contain("accuracy1").And.Contain("2 5"));
    }

    [Test]
    public void Accuracy_HasNoGradient()
    {
        Blob x = Scores(), label = TestData.Of([2], 3, 1), y = new();
        Layer layer = TestData.SetUp(Def("Accuracy"), [x, label], [y]);
        layer.Forward([x, label], [y]);
        Assert.That(layer.AllowForceBackward(0), Is.False);
        Assert.Throws<NotSupportedException>(() => layer.Backward([y], [true, false], [x, label]));
    }
}
