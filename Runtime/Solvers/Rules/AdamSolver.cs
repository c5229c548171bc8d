using Engine.Proto;

namespace Engine.Solvers;

/// <summary>
/// Adam (Kingma &amp; Ba) as Caffe computes it: m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²;
/// step = lr·√(1−β2^t)/(1−β1^t)·m/(√v + delta), t = iter + 1, β1 = momentum, β2 = momentum2.
/// History: all m blobs, then all v blobs.
/// </summary>
public class AdamSolver : Solver
{
    /// <summary>Creates the solver.</summary>
    public AdamSolver(SolverParameter param, SolverContext context)
        : base(param, context)
    {
    }

    /// <inheritdoc />
    public override string Type => "Adam";

    /// <inheritdoc />
    protected override int HistorySetsPerParam => 2;

    /// <inheritdoc />
    protected override void ComputeUpdateValue(int paramId, float rate)
    {
        Blob p = Net.LearnableParams[paramId];
        Span<float> m = HistoryOf(paramId, 0).MutableData;
        Span<float> v = HistoryOf(paramId, 1).MutableData;
        Span<float> g = p.MutableDiff;
        float b1 = Param.Momentum;
        float b2 = Param.Momentum2;
        int t = Iter + 1;
        float correction = (float)(Math.Sqrt(1.0 - Math.Pow(b2, t)) / (1.0 - Math.Pow(b1, t)));
        float step = LocalRate(paramId, rate) * correction;
        float delta = Param.Delta;
        for (int i = 0; i < g.Length; i++)
        {
            float gi = g[i];
            m[i] = b1 * m[i] + (1f - b1) * gi;
            v[i] = b2 * v[i] + (1f - b2) * (gi * gi);
            g[i] = step * (m[i] / (MathF.Sqrt(v[i]) + delta));
        }
        AfterAdamStep(paramId, rate);
    }

    /// <summary>Hook for variants that add to the step after Adam's rule (AdamW's decoupled decay).</summary>
    protected virtual void AfterAdamStep(int paramId, float rate)
    {
    }
}
