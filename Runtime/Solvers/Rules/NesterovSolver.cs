using Engine.Proto;

namespace Engine.Solvers;

/// <summary>Nesterov's accelerated gradient in Caffe's form: h ← μ·h + lr·g; step = (1+μ)·h − μ·h_prev.</summary>
public sealed class NesterovSolver : Solver
{
    /// <summary>Creates the solver.</summary>
    public NesterovSolver(SolverParameter param, SolverContext context)
        : base(param, context)
    {
    }

    /// <inheritdoc />
    public override string Type => "Nesterov";

    /// <inheritdoc />
    protected override void ComputeUpdateValue(int paramId, float rate)
    {
        Blob p = Net.LearnableParams[paramId];
        Span<float> h = HistoryOf(paramId).MutableData;
        Span<float> g = p.MutableDiff;
        float lr = LocalRate(paramId, rate);
        float mu = Param.Momentum;
        for (int i = 0; i < h.Length; i++)
        {
            float previous = h[i];
            float next = mu * previous + lr * g[i];
            h[i] = next;
            g[i] = (1f + mu) * next - mu * previous;
        }
    }

    /// <inheritdoc />
    protected override void ComputeUpdateValueOnDevice(int paramId, float rate, SolverDeviceKernels device)
        => device.Nesterov(Net.LearnableParams[paramId], HistoryOf(paramId), LocalRate(paramId, rate), Param.Momentum);
}
