using Engine.Proto;

namespace Engine.Solvers;

/// <summary>
/// AdaDelta (Zeiler): h_g ← μ·h_g + (1−μ)·g²; u = g·√((h_u + δ)/(h_g + δ)); h_u ← μ·h_u + (1−μ)·u²; step = lr·u.
/// History: all h_g blobs, then all h_u blobs.
/// </summary>
public sealed class AdaDeltaSolver : Solver
{
    /// <summary>Creates the solver.</summary>
    public AdaDeltaSolver(SolverParameter param, SolverContext context)
        : base(param, context)
    {
    }

    /// <inheritdoc />
    public override string Type => "AdaDelta";

    /// <inheritdoc />
    protected override int HistorySetsPerParam => 2;

    /// <inheritdoc />
    protected override void ComputeUpdateValue(int paramId, float rate)
    {
        Blob p = Net.LearnableParams[paramId];
        Span<float> hg = HistoryOf(paramId, 0).MutableData;
        Span<float> hu = HistoryOf(paramId, 1).MutableData;
        Span<float> g = p.MutableDiff;
        float lr = LocalRate(paramId, rate);
        float mu = Param.Momentum;
        float delta = Param.Delta;
        for (int i = 0; i < g.Length; i++)
        {
            float gi = g[i];
            hg[i] = mu * hg[i] + (1f - mu) * (gi * gi);
            float u = gi * MathF.Sqrt((hu[i] + delta) / (hg[i] + delta));
            hu[i] = mu * hu[i] + (1f - mu) * (u * u);
            g[i] = lr * u;
        }
    }

    /// <inheritdoc />
    protected override void ComputeUpdateValueOnDevice(int paramId, float rate, SolverDeviceKernels device)
        => device.AdaDelta(Net.LearnableParams[paramId], HistoryOf(paramId, 0), HistoryOf(paramId, 1), LocalRate(paramId, rate), Param.Momentum, Param.Delta);
}
