using Engine.Backends.OpenCL;
using Microsoft.Extensions.Logging;

namespace Engine.Solvers;

public abstract partial class Solver
{
    private SolverDeviceKernels? _device;

    /// <summary>The device update's kernels when the train net runs on OpenCL; null on the CPU backend.</summary>
    protected SolverDeviceKernels? DeviceKernels => _device ??= Net.Backend is OpenCLBackend cl ? new SolverDeviceKernels(cl) : null;

    /// <summary>
    /// The device twin of the host update: clip (global L2 norm reduced on the device, one scalar per parameter read
    /// back), then per parameter normalise, regularise and the rule's device update; finally data −= diff on the device.
    /// </summary>
    private void ApplyUpdateOnDevice(float rate, SolverDeviceKernels device)
    {
        ClipGradientsOnDevice(device);
        IReadOnlyList<Blob> parameters = Net.LearnableParams;
        for (int i = 0; i < parameters.Count; i++)
        {
            if (Param.IterSize > 1)
            {
                device.ScaleDiff(parameters[i], 1f / Param.IterSize);
            }
            RegularizeOnDevice(i, device);
            ComputeUpdateValueOnDevice(i, rate, device);
        }
        Net.Update();
    }

    private void ClipGradientsOnDevice(SolverDeviceKernels device)
    {
        float clip = Param.ClipGradients;
        if (clip < 0)
        {
            return;
        }
        IReadOnlyList<Blob> parameters = Net.LearnableParams;
        double norm = Math.Sqrt(device.SumSquaresDiff(parameters));
        if (norm > clip)
        {
            float scale = (float)(clip / norm);
            Logger.LogInformation("Gradient clipping: scaling down gradients (L2 norm {Norm} > {Clip}) by scale factor {Scale}", Fmt(norm), Fmt(clip), Fmt(scale));
            foreach (Blob p in parameters)
            {
                device.ScaleDiff(p, scale);
            }
        }
    }

    /// <summary>
    /// The device form of <see cref="Regularize"/>: L2 (or L1) weight_decay·decay_mult and the elastic-net
    /// l1_weight_decay·decay_mult added to the gradient in one kernel.
    /// </summary>
    protected virtual void RegularizeOnDevice(int paramId, SolverDeviceKernels device)
    {
        ArgumentNullException.ThrowIfNull(device);
        float decayMult = Net.ParamDecayMults[paramId];
        float localDecay = Param.WeightDecay * decayMult;
        bool l2 = Param.RegularizationType == "L2";
        device.Regularize(Net.LearnableParams[paramId], l2 ? localDecay : 0f, l2 ? 0f : localDecay, Param.L1WeightDecay * decayMult);
    }

    /// <summary>
    /// The device form of <see cref="ComputeUpdateValue"/>: the built-in rules run their <c>solvers.cl</c> kernel.
    /// This default runs the host rule (the data crosses to the host and back), so a rule without device code is
    /// still correct on an OpenCL net, only slower.
    /// </summary>
    protected virtual void ComputeUpdateValueOnDevice(int paramId, float rate, SolverDeviceKernels device) => ComputeUpdateValue(paramId, rate);
}
