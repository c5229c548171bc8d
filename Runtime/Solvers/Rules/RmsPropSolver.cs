using Engine.Proto;

namespace Engine.Solvers;

/// <summary>RMSProp: h ← ρ·h + (1−ρ)·g²; step = lr·g / (√h + delta), ρ = rms_decay. Requires momentum 0 and 0 ≤ ρ &lt; 1.</summary>
public sealed class RmsPropSolver : Solver
{
    /// <summary>Creates the solver.</summary>
    /// <exception cref="SolverException">momentum is not 0 or rms_decay is outside [0, 1).</exception>
    public RmsPropSolver(SolverParameter param, SolverContext context)
        : base(param, context)
    {
        if (Param.Momentum != 0f)
        {
            throw new SolverException($"the RMSProp solver needs momentum 0, got {Param.Momentum}.");
        }
        if (Param.RmsDecay < 0f || Param.RmsDecay >= 1f)
        {
            throw new SolverException($"the RMSProp solver needs 0 <= rms_decay < 1, got {Param.RmsDecay}.");
        }
    }

    /// <inheritdoc />
    public override string Type => "RMSProp";

    /// <inheritdoc />
    protected override void ComputeUpdateValue(int paramId, float rate)
    {
        Blob p = Net.LearnableParams[paramId];
        Span<float> h = HistoryOf(paramId).MutableData;
        Span<float> g = p.MutableDiff;
        float lr = LocalRate(paramId, rate);
        float rho = Param.RmsDecay;
        float delta = Param.Delta;
        for (int i = 0; i < h.Length; i++)
        {
            float gi = g[i];
            h[i] = rho * h[i] + (1f - rho) * (gi * gi);
            g[i] = lr * (gi / (MathF.Sqrt(h[i]) + delta));
        }
    }

    /// <inheritdoc />
    protected override void ComputeUpdateValueOnDevice(int paramId, float rate, SolverDeviceKernels device)
        => device.RmsProp(Net.LearnableParams[paramId], HistoryOf(paramId), LocalRate(paramId, rate), Param.RmsDecay, Param.Delta);
}
