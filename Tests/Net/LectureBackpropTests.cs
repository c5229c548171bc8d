using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.Net;

/// <summary>
/// The lecture notes' worked backprop examples, run through a Net. Expected values are computed from the formulas
/// (the slides print some with slips: "4·1 = −4" for ∂f/∂x and "2·(0.2) = 3.9" for ∂f/∂x₀; the right values are 4 and 0.39).
/// </summary>
public class LectureBackpropTests
{
    private static Engine.Net Build(NetParameter def) => new(def, TestData.Registry, NetOptions.ForPhase(Phase.Train));

    [Test]
    public void AddThenMultiply_FxyzEqualsXPlusYTimesZ()
    {
        // f = (x + y)·z with x = 1, y = −3, z = 4: d = −2, f = −8, ∂f/∂x = ∂f/∂y = z = 4, ∂f/∂z = d = −2.
        NetParameter def = new NetBuilder("add_mul")
            .Input("x", 1).Input("y", 1).Input("z", 1)
            .Layer("add", "Eltwise", ["x", "y"], ["d"], l => l.EltwiseParam = new EltwiseParameter { Operation = EltwiseParameter.Types.EltwiseOp.Sum })
            .Layer("mul", "Eltwise", ["d", "z"], ["f"], l =>
            {
                l.EltwiseParam = new EltwiseParameter { Operation = EltwiseParameter.Types.EltwiseOp.Prod };
                l.LossWeight.Add(1f);
            })
            .ForceBackward()
            .Build();
        using var net = Build(def);
        net.GetBlob("x").MutableData[0] = 1;
        net.GetBlob("y").MutableData[0] = -3;
        net.GetBlob("z").MutableData[0] = 4;
        float f = net.ForwardBackward();
        Assert.That(f, Is.EqualTo(-8f));
        Assert.That(net.GetBlob("x").Diff[0], Is.EqualTo(4f));
        Assert.That(net.GetBlob("y").Diff[0], Is.EqualTo(4f));
        Assert.That(net.GetBlob("z").Diff[0], Is.EqualTo(-2f));
    }

    [Test]
    public void SigmoidGateCircuit()
    {
        // f = σ(w0·x0 + w1·x1 + b) with w = (2, −3), b = −3, x = (−1, −2): z = 1, f = σ(1),
        // ∂f/∂z = f(1 − f) ≈ 0.1966; ∂f/∂w = x·0.1966, ∂f/∂x = w·0.1966, ∂f/∂b = 0.1966.
        NetParameter def = new NetBuilder("neuron")
            .Input("x", 1, 2)
            .InnerProduct("w", "x", 1)
            .Layer("sigmoid", "Sigmoid", ["w"], ["f"], l => l.LossWeight.Add(1f))
            .ForceBackward()
            .Build();
        using var net = Build(def);
        Layer ip = net.GetLayer("w");
        ip.Blobs[0].MutableData[0] = 2;
        ip.Blobs[0].MutableData[1] = -3;
        ip.Blobs[1].MutableData[0] = -3;
        net.GetBlob("x").MutableData[0] = -1;
        net.GetBlob("x").MutableData[1] = -2;
        net.ClearParamDiffs();
        float f = net.ForwardBackward();
        double s = 1 / (1 + Math.Exp(-1)), g = s * (1 - s);
        Assert.That(f, Is.EqualTo(s).Within(1e-6));
        Assert.That(f, Is.EqualTo(0.73).Within(0.005), "the slide's rounded output");
        Assert.That(ip.Blobs[0].Diff[0], Is.EqualTo(-1 * g).Within(1e-6));
        Assert.That(ip.Blobs[0].Diff[1], Is.EqualTo(-2 * g).Within(1e-6));
        Assert.That(ip.Blobs[1].Diff[0], Is.EqualTo(g).Within(1e-6));
        Assert.That(net.GetBlob("x").Diff[0], Is.EqualTo(2 * g).Within(1e-6));
        Assert.That(net.GetBlob("x").Diff[0], Is.EqualTo(0.39).Within(0.005), "0.39, not the slide's 3.9");
        Assert.That(net.GetBlob("x").Diff[1], Is.EqualTo(-3 * g).Within(1e-6));
        Assert.That(net.GetBlob("x").Diff[1], Is.EqualTo(-0.59).Within(0.005));
    }

    [Test]
    public void MultiplyGate_UsesTheInputsCachedByForward()
    {
        // z = x·y; backward needs the forward inputs: dx = y·dz, dy = x·dz. Changing the inputs after forward
        // would change the gradient, so the net must not overwrite them between forward and backward.
        NetParameter def = new NetBuilder("mul")
            .Input("x", 3).Input("y", 3)
            .Layer("mul", "Eltwise", ["x", "y"], ["z"], l =>
            {
                l.EltwiseParam = new EltwiseParameter { Operation = EltwiseParameter.Types.EltwiseOp.Prod };
                l.LossWeight.Add(2f); // dz = 2
            })
            .ForceBackward()
            .Build();
        using var net = Build(def);
        float[] xs = [1.5f, -2f, 0f], ys = [4f, 0.5f, -3f];
        xs.CopyTo(net.GetBlob("x").MutableData);
        ys.CopyTo(net.GetBlob("y").MutableData);
        float loss = net.ForwardBackward();
        Assert.That(loss, Is.EqualTo(2 * (1.5f * 4 + -2f * 0.5f + 0)).Within(1e-6));
        for (int i = 0; i < 3; i++)
        {
            Assert.That(net.GetBlob("x").Diff[i], Is.EqualTo(ys[i] * 2f).Within(1e-6));
            Assert.That(net.GetBlob("y").Diff[i], Is.EqualTo(xs[i] * 2f).Within(1e-6));
        }
    }
}
