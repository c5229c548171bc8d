using Engine.Fillers;
using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.Layers.Vision;

/// <summary>After a first forward/backward, repeated passes at the same shapes allocate nothing (buffers are fields).</summary>
public class HotPathAllocationTests
{
    internal static void AssertNoAllocation(LayerParameter def, Blob[] bottoms, Blob[] tops, bool[] propagate)
    {
        Layer layer = TestData.SetUp(def, bottoms, tops);
        layer.Forward(bottoms, tops);
        foreach (Blob t in tops)
        {
            t.MutableDiff.Fill(0.5f);
        }
        layer.Backward(tops, propagate, bottoms);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 3; i++)
        {
            layer.Forward(bottoms, tops);
            layer.Backward(tops, propagate, bottoms);
        }
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.EqualTo(0), $"{def.Type} allocated on the hot path");
    }

    [Test]
    public void Deconvolution()
        => AssertNoAllocation(ConvolutionLayerTests.ConvDef("Deconvolution", 4, [3], [2], [1], [1], group: 2),
            [TestData.Uniform([2, 4, 5, 5], 1)], [new Blob()], [true]);

    [Test]
    public void Convolution3D()
        => AssertNoAllocation(ConvolutionLayerTests.ConvDef("Convolution", 2, [2], [1], [1], [1]),
            [TestData.Uniform([1, 2, 3, 4, 3], 1)], [new Blob()], [true]);

    [TestCase(PoolingParameter.Types.PoolMethod.Max)]
    [TestCase(PoolingParameter.Types.PoolMethod.Ave)]
    public void Pooling(PoolingParameter.Types.PoolMethod method)
        => AssertNoAllocation(new LayerParameter
        {
            Name = "pool", Type = "Pooling", PoolingParam = new PoolingParameter { Pool = method, KernelSize = 3, Stride = 2, Pad = 1 },
        }, [TestData.Uniform([2, 3, 7, 6], 1)], [new Blob()], [true]);

    [TestCase(LRNParameter.Types.NormRegion.AcrossChannels)]
    [TestCase(LRNParameter.Types.NormRegion.WithinChannel)]
    public void LRN(LRNParameter.Types.NormRegion region)
        => AssertNoAllocation(new LayerParameter { Name = "lrn", Type = "LRN", LrnParam = new LRNParameter { LocalSize = 3, NormRegion = region } },
            [TestData.Uniform([2, 5, 4, 3], 1)], [new Blob()], [true]);

    [Test]
    public void Crop()
        => AssertNoAllocation(new LayerParameter { Name = "crop", Type = "Crop", CropParam = new CropParameter { Axis = 1 } },
            [TestData.Uniform([2, 5, 4, 3], 1), new Blob(2, 3, 2, 2)], [new Blob()], [true, false]);

    [Test]
    public void Im2col()
    {
        var p = new ConvolutionParameter();
        p.KernelSize.Add(2);
        AssertNoAllocation(new LayerParameter { Name = "im2col", Type = "Im2col", ConvolutionParam = p },
            [TestData.Uniform([2, 3, 4, 5], 1)], [new Blob()], [true]);
    }

    [TestCase("LSTM")]
    [TestCase("RNN")]
    public void Recurrent(string type)
    {
        var cont = new Blob(3, 2);
        cont.MutableData.Fill(1f);
        AssertNoAllocation(new LayerParameter
        {
            Name = "rec", Type = type,
            RecurrentParam = new RecurrentParameter { NumOutput = 4, WeightFiller = Filler.Uniform(-0.5f, 0.5f) },
        }, [TestData.Uniform([3, 2, 5], 1), cont, TestData.Uniform([2, 3], 2)], [new Blob()], [true, false, true]);
    }
}
