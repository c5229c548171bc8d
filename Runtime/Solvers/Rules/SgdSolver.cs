using Engine.Proto;

namespace Engine.Solvers;

/// <summary>Stochastic gradient descent with Caffe's momentum (learning rate folded into the history): h ← μ·h + lr·g; w −= h.</summary>
public class SgdSolver : Solver
{
    /// <summary>Creates the solver.</summary>
    public SgdSolver(SolverParameter param, SolverContext context)
        : base(param, context)
    {
    }

    /// <inheritdoc />
    public override string Type => "SGD";

    /// <inheritdoc />
    protected override void ComputeUpdateValue(int paramId, float rate)
    {
        Blob p = Net.LearnableParams[paramId];
        Span<float> h = HistoryOf(paramId).MutableData;
        Axpby(LocalRate(paramId, rate), p.Diff, Param.Momentum, h);
        h.CopyTo(p.MutableDiff);
    }

    /// <inheritdoc />
    protected override void ComputeUpdateValueOnDevice(int paramId, float rate, SolverDeviceKernels device)
        => device.Sgd(Net.LearnableParams[paramId], HistoryOf(paramId), LocalRate(paramId, rate), Param.Momentum);
}
