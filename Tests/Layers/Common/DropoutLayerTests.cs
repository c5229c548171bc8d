using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;
using static Engine.Tests.Layers.Common.CommonFixtures;

namespace Engine.Tests.Layers.Common;

/// <summary>Dropout: inverted scaling in TRAIN, identity in TEST, determinism from the layer's generator.</summary>
public class DropoutLayerTests
{
    private static LayerParameter DropoutDef(float ratio, Phase phase) => Def("Dropout", p =>
    {
        p.DropoutParam = new DropoutParameter { DropoutRatio = ratio };
        p.Phase = phase;
    });

    [TestCase(0.25f)]
    [TestCase(0.5f)]
    [TestCase(0.8f)]
    public void Dropout_Train_KeepsOneMinusRatioScaled(float ratio)
    {
        Blob x = TestData.Uniform([40, 250], 12, 0.5f, 1.5f), y = new();
        Layer layer = TestData.SetUp(DropoutDef(ratio, Phase.Train), [x], [y], seed: 99);
        layer.Forward([x], [y]);
        float scale = 1f / (1f - ratio);
        int kept = 0;
        for (int i = 0; i < x.Count; i++)
        {
            if (y.Data[i] != 0f)
            {
                kept++;
                Assert.That(y.Data[i], Is.EqualTo(x.Data[i] * scale).Within(1e-6 * scale));
            }
        }
        double fraction = (double)kept / x.Count;
        // 10 000 Bernoulli draws: the kept fraction is within 4.5 standard deviations of 1 − r.
        double sigma = Math.Sqrt(ratio * (1 - ratio) / x.Count);
        Assert.That(fraction, Is.EqualTo(1 - ratio).Within(4.5 * sigma));

        y.MutableDiff.Fill(2f);
        layer.Backward([y], [true], [x]);
        for (int i = 0; i < x.Count; i++)
        {
            Assert.That(x.Diff[i], Is.EqualTo(y.Data[i] != 0f ? 2f * scale : 0f).Within(1e-6));
        }
    }

    [Test]
    public void Dropout_Test_IsIdentity()
    {
        Blob x = TestData.Uniform([3, 7], 13), y = new();
        Layer layer = TestData.SetUp(DropoutDef(0.5f, Phase.Test), [x], [y]);
        layer.Forward([x], [y]);
        Assert.That(y.Data.ToArray(), Is.EqualTo(x.Data.ToArray()));
        TestData.Uniform([3, 7], 14).Data.CopyTo(y.MutableDiff);
        layer.Backward([y], [true], [x]);
        Assert.That(x.Diff.ToArray(), Is.EqualTo(y.Diff.ToArray()));
    }

    [Test]
    public void Dropout_SameSeed_SameMask_DifferentSeed_DifferentMask()
    {
        Blob x = TestData.Uniform([200], 15, 1, 2);
        float[] Run(ulong seed)
        {
            var y = new Blob();
            Layer layer = TestData.SetUp(DropoutDef(0.5f, Phase.Train), [x], [y], seed);
            layer.Forward([x], [y]);
            return y.Data.ToArray();
        }
        Assert.That(Run(3), Is.EqualTo(Run(3)));
        Assert.That(Run(3), Is.Not.EqualTo(Run(4)));
    }

    [Test]
    public void Dropout_Train_Gradient()
    {
        Blob x = TestData.Uniform([3, 5], 16), y = new();
        Layer layer = TestData.SetUp(DropoutDef(0.3f, Phase.Train), [x], [y]);
        new GradientChecker().Check(layer, [x], [y]);
    }

    [Test]
    public void Dropout_InPlace_MatchesOutOfPlace()
    {
        Blob x = TestData.Uniform([3, 5], 17), y = new();
        Layer layer = TestData.SetUp(DropoutDef(0.3f, Phase.Train), [x], [y], seed: 5);
        layer.Forward([x], [y]);
        Blob z = TestData.Uniform([3, 5], 17);
        Layer inPlace = TestData.SetUp(DropoutDef(0.3f, Phase.Train), [z], [z], seed: 5);
        inPlace.Forward([z], [z]);
        Assert.That(z.Data.ToArray(), Is.EqualTo(y.Data.ToArray()));
        z.MutableDiff.Fill(1f);
        inPlace.Backward([z], [true], [z]);
        for (int i = 0; i < z.Count; i++)
        {
            Assert.That(z.Diff[i], Is.EqualTo(y.Data[i] != 0f ? 1f / 0.7f : 0f).Within(1e-6));
        }
    }

    [TestCase(1f)]
    [TestCase(-0.1f)]
    public void Dropout_BadRatio_IsError(float ratio)
    {
        Blob x = new([2]);
        Assert.Throws<LayerException>(() => TestData.SetUp(DropoutDef(ratio, Phase.Train), [x], [new()]));
    }
}
