using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.Layers.Vision;

/// <summary>Crop: window values, gradients, offset forms and errors.</summary>
public class CropLayerTests
{
    private static LayerParameter CropDef(int axis, params uint[] offsets)
    {
        var p = new CropParameter { Axis = axis };
        p.Offset.AddRange(offsets);
        return new LayerParameter { Name = "crop", Type = "Crop", CropParam = p };
    }

    [TestCase(2, new uint[] { 1, 2 })]
    [TestCase(1, new uint[] { 1 })]
    [TestCase(2, new uint[0])]
    [TestCase(-1, new uint[] { 3 })]
    public void ForwardCopiesTheWindow_BackwardScattersIt(int axis, uint[] offsets)
    {
        Blob x = TestData.Uniform([2, 3, 5, 6], 51), reference = new(2, 2, 3, 3), y = new();
        Layer layer = TestData.SetUp(CropDef(axis, offsets), [x, reference], [y]);
        int a = axis < 0 ? axis + 4 : axis;
        int[] expectedShape = [2, 3, 5, 6];
        int[] off = new int[4];
        for (int i = a; i < 4; i++)
        {
            expectedShape[i] = reference.ShapeAt(i);
            off[i] = offsets.Length == 0 ? 0 : (int)offsets[offsets.Length == 1 ? 0 : i - a];
        }
        Assert.That(y.ShapeArray, Is.EqualTo(expectedShape));
        layer.Forward([x, reference], [y]);
        for (int n = 0; n < y.Num; n++)
        {
            for (int c = 0; c < y.Channels; c++)
            {
                for (int h = 0; h < y.Height; h++)
                {
                    for (int w = 0; w < y.Width; w++)
                    {
                        Assert.That(y.Data[y.Offset(n, c, h, w)], Is.EqualTo(x.Data[x.Offset(n + off[0], c + off[1], h + off[2], w + off[3])]));
                    }
                }
            }
        }
        new GradientChecker(1e-2, 1e-3).Check(layer, [x, reference], [y]);
    }

    [Test]
    public void OffsetTooLarge_NamesBothShapes()
    {
        Blob x = TestData.Uniform([1, 1, 5, 5], 1, name: "big"), reference = new([1, 1, 3, 3], "ref");
        var ex = Assert.Throws<LayerException>(() => TestData.SetUp(CropDef(2, 3), [x, reference], [new Blob()]));
        Assert.That(ex!.Message, Does.Contain("crop").And.Contain("1 1 5 5 (25)").And.Contain("1 1 3 3 (9)"));
    }

    [Test]
    public void WrongOffsetCount_Fails()
    {
        Blob x = TestData.Uniform([1, 1, 5, 5], 1), reference = new(1, 1, 3, 3);
        Assert.That(() => TestData.SetUp(CropDef(1, 0, 1), [x, reference], [new Blob()]),
            Throws.TypeOf<LayerException>().With.Message.Contain("offsets"));
    }
}
