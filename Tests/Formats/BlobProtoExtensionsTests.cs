using Engine.Formats;
using Engine.Proto;
using NUnit.Framework;

namespace Engine.Tests.Formats;

public class BlobProtoExtensionsTests
{
    [Test]
    public void ShapeComesFromShapeOrLegacyFields()
    {
        Assert.That(new BlobProto { Shape = new BlobShape { Dim = { 5, 6 } } }.GetShape(), Is.EqualTo(new long[] { 5, 6 }));
        Assert.That(new BlobProto().GetShape(), Is.Empty);
        Assert.That(new BlobProto { Channels = 3 }.GetShape(), Is.EqualTo(new long[] { 0, 3, 0, 0 }));
        var both = new BlobProto { Num = 1, Channels = 1, Height = 1, Width = 7, Shape = new BlobShape { Dim = { 9 } } };
        Assert.That(both.GetShape(), Is.EqualTo(new long[] { 1, 1, 1, 7 }), "legacy fields win, as in Caffe");
    }

    [Test]
    public void LegacyShapesMatchRightAlignedTargets()
    {
        var legacyIp = new BlobProto { Num = 1, Channels = 1, Height = 500, Width = 800 };
        Assert.That(legacyIp.ShapeMatches([500, 800]), Is.True);
        Assert.That(legacyIp.ShapeMatches([1, 500, 800]), Is.True);
        Assert.That(legacyIp.ShapeMatches([800, 500]), Is.False);
        Assert.That(legacyIp.ShapeMatches([1, 1, 1, 500, 800]), Is.False, "more than four axes cannot be legacy");
        var bias = new BlobProto { Num = 1, Channels = 1, Height = 1, Width = 10 };
        Assert.That(bias.ShapeMatches([10]), Is.True);
        var modern = new BlobProto { Shape = new BlobShape { Dim = { 500, 800 } } };
        Assert.That(modern.ShapeMatches([500, 800]), Is.True);
        Assert.That(modern.ShapeMatches([1, 500, 800]), Is.False, "modern shapes must be identical");
    }

    [Test]
    public void RightAlignedComparison()
    {
        Assert.That(BlobProtoExtensions.ShapesEqualRightAligned([1, 1, 3, 4], [3, 4]), Is.True);
        Assert.That(BlobProtoExtensions.ShapesEqualRightAligned([3, 4], [1, 1, 3, 4]), Is.True);
        Assert.That(BlobProtoExtensions.ShapesEqualRightAligned([2, 3, 4], [3, 4]), Is.False);
        Assert.That(BlobProtoExtensions.ShapesEqualRightAligned([], [1, 1]), Is.True);
        Assert.That(BlobProtoExtensions.ShapesEqualRightAligned([4, 3], [3, 4]), Is.False);
    }

    [Test]
    public void ValidationComparesCountWithShape()
    {
        var ok = BlobProtoExtensions.Create([2, 3], new float[6]);
        Assert.That(ok.TryValidate(out var none), Is.True);
        Assert.That(none, Is.Null);
        var scalar = BlobProtoExtensions.Create([], [0.25f]);
        Assert.That(scalar.TryValidate(out _), Is.True);
        var bad = BlobProtoExtensions.CreateDouble([4], [1, 2]);
        Assert.That(bad.TryValidate(out var problem), Is.False);
        Assert.That(problem, Is.EqualTo("shape (4) needs 4 values but double_data holds 2"));
        Assert.That(BlobProtoExtensions.ElementCount([2, 3, 4]), Is.EqualTo(24));
        Assert.That(BlobProtoExtensions.FormatShape([64, 3, 7, 7]), Is.EqualTo("(64, 3, 7, 7)"));
    }

    [Test]
    public void CopyDataToChecksLength()
    {
        var blob = BlobProtoExtensions.Create([3], [1f, 2f, 3f]);
        var d = new double[3];
        blob.CopyDataTo(d);
        Assert.That(d, Is.EqualTo(new[] { 1.0, 2.0, 3.0 }));
        Assert.Throws<ArgumentException>(() => blob.CopyDataTo(new float[2]));
    }
}
