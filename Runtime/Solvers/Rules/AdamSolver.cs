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
        float step = StepSize(paramId, rate);
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

    /// <inheritdoc />
    protected override void ComputeUpdateValueOnDevice(int paramId, float rate, SolverDeviceKernels device)
        => device.Adam(Net.LearnableParams[paramId], HistoryOf(paramId, 0), HistoryOf(paramId, 1), StepSize(paramId, rate),
            Param.Momentum, Param.Momentum2, Param.Delta, DecoupledDecay(paramId, rate));

    /// <summary>The local rate times the bias correction √(1−β2^t)/(1−β1^t), t = iter + 1.</summary>
    private float StepSize(int paramId, float rate)
    {
        int t = Iter + 1;
        float correction = (float)(Math.Sqrt(1.0 - Math.Pow(Param.Momentum2, t)) / (1.0 - Math.Pow(Param.Momentum, t)));
        return LocalRate(paramId, rate) * correction;
    }

    /// <summary>The factor of w the device kernel adds to the step after Adam's rule (AdamW's decoupled decay; 0 here).</summary>
    protected virtual float DecoupledDecay(int paramId, float rate) => 0f;
}
