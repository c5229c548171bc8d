using Engine.Proto;

namespace Engine.Solvers;

/// <summary>AdaGrad: h ← h + g²; step = lr·g / (√h + delta). Requires momentum 0.</summary>
public sealed class AdaGradSolver : Solver
{
    /// <summary>Creates the solver.</summary>
    /// <exception cref="SolverException">momentum is not 0.</exception>
    public AdaGradSolver(SolverParameter param, SolverContext context)
        : base(param, context)
    {
        if (Param.Momentum != 0f)
        {
            throw new SolverException($"the AdaGrad solver needs momentum 0, got {Param.Momentum}.");
        }
    }

    /// <inheritdoc />
    public override string Type => "AdaGrad";

    /// <inheritdoc />
    protected override void ComputeUpdateValue(int paramId, float rate)
    {
        Blob p = Net.LearnableParams[paramId];
        Span<float> h = HistoryOf(paramId).MutableData;
        Span<float> g = p.MutableDiff;
        float lr = LocalRate(paramId, rate);
        float delta = Param.Delta;
        for (int i = 0; i < h.Length; i++)
        {
            float gi = g[i];
            h[i] += gi * gi;
            g[i] = lr * (gi / (MathF.Sqrt(h[i]) + delta));
        }
    }

    /// <inheritdoc />
    protected override void ComputeUpdateValueOnDevice(int paramId, float rate, SolverDeviceKernels device)
        => device.AdaGrad(Net.LearnableParams[paramId], HistoryOf(paramId), LocalRate(paramId, rate), Param.Delta);
}
