using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;
using static Engine.Tests.Layers.Common.CommonFixtures;
using Op = Engine.Proto.ReductionParameter.Types.ReductionOp;

namespace Engine.Tests.Layers.Common;

/// <summary>Reduction: fixtures for every operation, gradients on several axes.</summary>
public class ReductionLayerTests
{
    [Test]
    public void Reduction_MatchesFixture([Values] Op op, [Values(0, 1)] int axis)
    {
        FixtureCase c = Case($"reduction_{op.ToString().ToUpperInvariant()}_axis{axis}");
        Blob x = c.Blob("x"), y = new("y");
        Layer layer = TestData.SetUp(Def("Reduction", p => p.ReductionParam = new ReductionParameter { Operation = op, Axis = axis, Coeff = 0.5f }), [x], [y]);
        layer.Forward([x], [y]);
        c.AssertData(y, "y");
        c.SetDiff(y, "dy");
        layer.Backward([y], [true], [x]);
        c.AssertDiff(x, "grad_x");
    }

    [Test]
    public void Reduction_Gradient([Values] Op op, [Values(0, 1, -1)] int axis)
    {
        Blob x = TestData.Uniform([3, 2, 5], 11, -2, 2), y = new();
        Layer layer = TestData.SetUp(Def("Reduction", p => p.ReductionParam = new ReductionParameter { Operation = op, Axis = axis, Coeff = -1.5f }), [x], [y]);
        int[] expected = axis switch { 0 => [], 1 => [3], _ => [3, 2] };
        Assert.That(y.ShapeArray, Is.EqualTo(expected));
        new GradientChecker(1e-3, 2e-3, kink: 0, kinkRange: op == Op.Asum ? 0.01 : -1).Check(layer, [x], [y]);
    }

    [Test]
    public void Reduction_AxisOutOfRange_NamesLayerAndShape()
    {
        Blob x = new([2, 3], "x");
        var ex = Assert.Throws<LayerException>(() => TestData.SetUp(Def("Reduction", p => p.ReductionParam = new ReductionParameter { Axis = 2 }), [x], [new()]));
        Assert.That(ex!.Message, Does.Contain("reduction1").And.Contain("2 3"));
    }
}
