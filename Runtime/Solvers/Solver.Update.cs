using System.Numerics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace Engine.Solvers;

public abstract partial class Solver
{
    /// <summary>The rate the policy gives at the current iteration (advances the multistep position, as Caffe does).</summary>
    protected float GetLearningRate()
    {
        int step = CurrentStep;
        float rate = LearningRatePolicy.Rate(Param, Iter, ref step);
        CurrentStep = step;
        return rate;
    }

    /// <summary>
    /// Applies the gradients currently in the learnable parameters' diffs as one training iteration's update (rate,
    /// clipping, iter_size normalisation, regularisation, update rule, data −= step) and advances <see cref="Iter"/>.
    /// For code that computes its own gradients (e.g. inside a simulation) instead of calling <see cref="Step"/>.
    /// </summary>
    public void ApplyGradients()
    {
        ApplyUpdate(display: false);
        Iter++;
    }

    /// <summary>
    /// Turns the accumulated gradients into update steps and applies them: rate from the policy, clip (before the
    /// iter_size normalisation), then per parameter normalise, regularise and the rule's update value; finally
    /// data −= diff.
    /// </summary>
    protected void ApplyUpdate(bool display)
    {
        float rate = GetLearningRate();
        LearningRate = rate;
        if (display)
        {
            Logger.LogInformation("Iteration {Iter}, lr = {Rate}", Iter, Fmt(rate));
        }
        if (DeviceKernels is { } device)
        {
            ApplyUpdateOnDevice(rate, device);
            return;
        }
        ClipGradients();
        IReadOnlyList<Blob> parameters = Net.LearnableParams;
        for (int i = 0; i < parameters.Count; i++)
        {
            Normalize(i);
            Regularize(i);
            ComputeUpdateValue(i, rate);
        }
        Net.Update();
    }

    /// <summary>Scales every gradient by clip_gradients / ‖g‖ when the global L2 norm exceeds clip_gradients (≥ 0).</summary>
    protected void ClipGradients()
    {
        float clip = Param.ClipGradients;
        if (clip < 0)
        {
            return;
        }
        double sumsq = 0;
        foreach (Blob p in Net.LearnableParams)
        {
            sumsq += p.SumSquaresDiff();
        }
        double norm = Math.Sqrt(sumsq);
        if (norm > clip)
        {
            float scale = (float)(clip / norm);
            Logger.LogInformation("Gradient clipping: scaling down gradients (L2 norm {Norm} > {Clip}) by scale factor {Scale}", Fmt(norm), Fmt(clip), Fmt(scale));
            foreach (Blob p in Net.LearnableParams)
            {
                p.ScaleDiff(scale);
            }
        }
    }

    /// <summary>Divides the accumulated gradient by iter_size.</summary>
    protected void Normalize(int paramId)
    {
        if (Param.IterSize > 1)
        {
            Net.LearnableParams[paramId].ScaleDiff(1f / Param.IterSize);
        }
    }

    /// <summary>
    /// Adds the regularisation gradient: L2 g += λ·w or L1 g += λ·sign(w) with λ = weight_decay·decay_mult, plus the
    /// elastic-net extension g += l1_weight_decay·decay_mult·sign(w).
    /// </summary>
    protected virtual void Regularize(int paramId)
    {
        Blob p = Net.LearnableParams[paramId];
        float decayMult = Net.ParamDecayMults[paramId];
        float localDecay = Param.WeightDecay * decayMult;
        if (localDecay != 0f)
        {
            if (Param.RegularizationType == "L2")
            {
                AddScaled(localDecay, p.Data, p.MutableDiff);
            }
            else
            {
                AddScaledSign(localDecay, p.Data, p.MutableDiff);
            }
        }
        AddL1(paramId);
    }

    /// <summary>Adds the elastic-net L1 term l1_weight_decay·decay_mult·sign(w) to the gradient.</summary>
    protected void AddL1(int paramId)
    {
        float l1 = Param.L1WeightDecay * Net.ParamDecayMults[paramId];
        if (l1 != 0f)
        {
            Blob p = Net.LearnableParams[paramId];
            AddScaledSign(l1, p.Data, p.MutableDiff);
        }
    }

    /// <summary>
    /// Replaces the (regularised) gradient in the parameter's diff by the step to subtract, using the rule's history.
    /// <paramref name="rate"/> is the policy's rate; multiply by the parameter's lr_mult for the local rate.
    /// </summary>
    protected abstract void ComputeUpdateValue(int paramId, float rate);

    /// <summary>The rate for one parameter: policy rate × its lr_mult.</summary>
    protected float LocalRate(int paramId, float rate) => rate * Net.ParamLrMults[paramId];

    /// <summary>History blob <paramref name="set"/> of parameter <paramref name="paramId"/>.</summary>
    protected Blob HistoryOf(int paramId, int set = 0) => _history[set * Net.LearnableParams.Count + paramId];

    /// <summary>y += a·x.</summary>
    protected static void AddScaled(float a, ReadOnlySpan<float> x, Span<float> y)
    {
        // Vector multiply then add, never fused: the same roundings as the scalar tail, so results do not depend on the
        // vector width (an update costs several passes over every weight, a noticeable part of a small net's step).
        int i = 0;
        if (Vector.IsHardwareAccelerated && y.Length >= Vector<float>.Count)
        {
            var va = new Vector<float>(a);
            ReadOnlySpan<Vector<float>> vx = MemoryMarshal.Cast<float, Vector<float>>(x[..y.Length]);
            Span<Vector<float>> vy = MemoryMarshal.Cast<float, Vector<float>>(y);
            for (int v = 0; v < vy.Length; v++)
            {
                vy[v] += va * vx[v];
            }
            i = vy.Length * Vector<float>.Count;
        }
        for (; i < y.Length; i++)
        {
            y[i] += a * x[i];
        }
    }

    /// <summary>y += a·sign(x) (sign(0) = 0).</summary>
    protected static void AddScaledSign(float a, ReadOnlySpan<float> x, Span<float> y)
    {
        for (int i = 0; i < y.Length; i++)
        {
            float v = x[i];
            y[i] += v > 0f ? a : v < 0f ? -a : 0f;
        }
    }

    /// <summary>y = a·x + b·y, computed as Caffe's axpby (b·y first, then + a·x).</summary>
    protected static void Axpby(float a, ReadOnlySpan<float> x, float b, Span<float> y)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && y.Length >= Vector<float>.Count)
        {
            // As in AddScaled: separate vector multiplies and add, the scalar tail's roundings.
            var va = new Vector<float>(a);
            var vb = new Vector<float>(b);
            ReadOnlySpan<Vector<float>> vx = MemoryMarshal.Cast<float, Vector<float>>(x[..y.Length]);
            Span<Vector<float>> vy = MemoryMarshal.Cast<float, Vector<float>>(y);
            for (int v = 0; v < vy.Length; v++)
            {
                vy[v] = vb * vy[v] + va * vx[v];
            }
            i = vy.Length * Vector<float>.Count;
        }
        for (; i < y.Length; i++)
        {
            y[i] = b * y[i] + a * x[i];
        }
    }
}
