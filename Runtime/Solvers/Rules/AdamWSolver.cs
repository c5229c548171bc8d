using Engine.Proto;

namespace Engine.Solvers;

/// <summary>
/// Engine's AdamW (Loshchilov &amp; Hutter, decoupled weight decay): Adam's step on the unregularised gradient plus
/// lr·λ·w with λ = weight_decay·decay_mult and lr = rate·lr_mult. The L2 term is not added to the gradient, so it does
/// not pass through the adaptive scaling. L1 terms (regularization_type "L1", l1_weight_decay) still go through the gradient.
/// </summary>
public sealed class AdamWSolver : AdamSolver
{
    /// <summary>Creates the solver.</summary>
    public AdamWSolver(SolverParameter param, SolverContext context)
        : base(param, context)
    {
    }

    /// <inheritdoc />
    public override string Type => "AdamW";

    /// <inheritdoc />
    protected override void Regularize(int paramId)
    {
        if (Param.RegularizationType == "L1")
        {
            base.Regularize(paramId);
            return;
        }
        AddL1(paramId);
    }

    /// <inheritdoc />
    protected override void AfterAdamStep(int paramId, float rate)
    {
        if (Param.RegularizationType == "L1")
        {
            return;
        }
        float decay = LocalRate(paramId, rate) * Param.WeightDecay * Net.ParamDecayMults[paramId];
        if (decay != 0f)
        {
            Blob p = Net.LearnableParams[paramId];
            AddScaled(decay, p.Data, p.MutableDiff);
        }
    }

    /// <inheritdoc />
    protected override void RegularizeOnDevice(int paramId, SolverDeviceKernels device)
    {
        if (Param.RegularizationType == "L1")
        {
            base.RegularizeOnDevice(paramId, device);
            return;
        }
        ArgumentNullException.ThrowIfNull(device);
        device.Regularize(Net.LearnableParams[paramId], 0f, 0f, Param.L1WeightDecay * Net.ParamDecayMults[paramId]);
    }

    /// <inheritdoc />
    protected override float DecoupledDecay(int paramId, float rate)
        => Param.RegularizationType == "L1" ? 0f : LocalRate(paramId, rate) * Param.WeightDecay * Net.ParamDecayMults[paramId];
}
