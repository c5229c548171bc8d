using Engine.Backends.OpenCL;

namespace Engine.Solvers;

/// <summary>
/// The OpenCL side of the solver update (kernels of <c>solvers.cl</c>): regularisation, clipping, iter_size
/// normalisation, each rule's history update and data −= diff, all on the device so a training step moves nothing
/// but the loss to the host. A rule's <c>ComputeUpdateValueOnDevice</c> calls its method here. One instance per
/// solver: kernel objects hold their arguments, so it is for one thread at a time, as the solver is.
/// </summary>
public sealed class SolverDeviceKernels : IDisposable
{
    private const string SourceFile = "solvers.cl";
    private const int ReduceSize = 64;

    private readonly OpenCLBackend _backend;
    private OpenCLKernel? _regularize, _scale, _sumSquares, _sgd, _nesterov, _adaGrad, _rmsProp, _adaDelta, _adam;
    private Blob? _norms;

    internal SolverDeviceKernels(OpenCLBackend backend)
    {
        _backend = backend;
    }

    /// <summary>The device the update runs on.</summary>
    public OpenCLBackend Backend => _backend;

    private OpenCLKernel K(ref OpenCLKernel? slot, string name)
        => slot ??= _backend.Programs.Kernel(typeof(SolverDeviceKernels).Assembly, SourceFile, name);

    /// <summary>g += l2·w + l1a·sign(w) + l1b·sign(w), each term only when its factor is non-zero (CPU order).</summary>
    internal void Regularize(Blob param, float l2, float l1a, float l1b)
    {
        if (l2 == 0f && l1a == 0f && l1b == 0f)
        {
            return;
        }
        K(ref _regularize, "regularize").Arg(0, param.Count).Arg(1, l2).Arg(2, l1a).Arg(3, l1b)
            .Arg(4, param.DeviceData()).Arg(5, param.MutableDeviceDiff()).Launch(param.Count);
    }

    /// <summary>g *= <paramref name="scale"/>.</summary>
    internal void ScaleDiff(Blob param, float scale)
        => K(ref _scale, "scale_in_place").Arg(0, param.Count).Arg(1, scale).Arg(2, param.MutableDeviceDiff()).Launch(param.Count);

    /// <summary>
    /// Σ over <paramref name="parameters"/> of Σ g²: one reduction per parameter into a slot of a small device blob,
    /// then a single read of those slots (the only host transfer of the update, and only when clipping is on).
    /// </summary>
    internal double SumSquaresDiff(IReadOnlyList<Blob> parameters)
    {
        if (_norms is null || _norms.Count != parameters.Count)
        {
            _norms?.Dispose();
            _norms = new Blob([Math.Max(1, parameters.Count)], "solver/sum_squares", _backend);
        }
        OpenCLKernel kernel = K(ref _sumSquares, "sum_squares");
        var slots = _norms.MutableDeviceData();
        for (int i = 0; i < parameters.Count; i++)
        {
            kernel.Arg(0, parameters[i].Count).Arg(1, parameters[i].DeviceDiff()).Arg(2, slots).Arg(3, i).Launch(ReduceSize, ReduceSize);
        }
        double sum = 0;
        ReadOnlySpan<float> values = _norms.Data;
        for (int i = 0; i < parameters.Count; i++)
        {
            sum += values[i];
        }
        return sum;
    }

    /// <summary>SGD: h ← momentum·h + rate·g; g ← h.</summary>
    public void Sgd(Blob param, Blob history, float rate, float momentum)
        => K(ref _sgd, "sgd_update").Arg(0, param.Count).Arg(1, rate).Arg(2, momentum)
            .Arg(3, param.MutableDeviceDiff()).Arg(4, history.MutableDeviceData()).Launch(param.Count);

    /// <summary>Nesterov: h′ ← momentum·h + rate·g; g ← (1+momentum)·h′ − momentum·h.</summary>
    public void Nesterov(Blob param, Blob history, float rate, float momentum)
        => K(ref _nesterov, "nesterov_update").Arg(0, param.Count).Arg(1, rate).Arg(2, momentum)
            .Arg(3, param.MutableDeviceDiff()).Arg(4, history.MutableDeviceData()).Launch(param.Count);

    /// <summary>AdaGrad: h ← h + g²; g ← rate·g / (√h + delta).</summary>
    public void AdaGrad(Blob param, Blob history, float rate, float delta)
        => K(ref _adaGrad, "adagrad_update").Arg(0, param.Count).Arg(1, rate).Arg(2, delta)
            .Arg(3, param.MutableDeviceDiff()).Arg(4, history.MutableDeviceData()).Launch(param.Count);

    /// <summary>RMSProp: h ← ρ·h + (1−ρ)·g²; g ← rate·g / (√h + delta).</summary>
    public void RmsProp(Blob param, Blob history, float rate, float rho, float delta)
        => K(ref _rmsProp, "rmsprop_update").Arg(0, param.Count).Arg(1, rate).Arg(2, rho).Arg(3, delta)
            .Arg(4, param.MutableDeviceDiff()).Arg(5, history.MutableDeviceData()).Launch(param.Count);

    /// <summary>AdaDelta with the squared-gradient history <paramref name="gradientHistory"/> and squared-update history <paramref name="updateHistory"/>.</summary>
    public void AdaDelta(Blob param, Blob gradientHistory, Blob updateHistory, float rate, float momentum, float delta)
        => K(ref _adaDelta, "adadelta_update").Arg(0, param.Count).Arg(1, rate).Arg(2, momentum).Arg(3, delta)
            .Arg(4, param.MutableDeviceDiff()).Arg(5, gradientHistory.MutableDeviceData()).Arg(6, updateHistory.MutableDeviceData())
            .Launch(param.Count);

    /// <summary>
    /// Adam: m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; g ← step·m/(√v + delta) + decay·w, where
    /// <paramref name="step"/> already holds the rate and bias correction and <paramref name="decay"/> is AdamW's
    /// decoupled weight decay (0 for Adam).
    /// </summary>
    public void Adam(Blob param, Blob m, Blob v, float step, float beta1, float beta2, float delta, float decay)
        => K(ref _adam, "adam_update").Arg(0, param.Count).Arg(1, step).Arg(2, beta1).Arg(3, beta2).Arg(4, delta).Arg(5, decay)
            .Arg(6, param.MutableDeviceDiff()).Arg(7, m.MutableDeviceData()).Arg(8, v.MutableDeviceData()).Arg(9, param.DeviceData())
            .Launch(param.Count);

    /// <summary>Releases the reduction scratch blob.</summary>
    public void Dispose()
    {
        _norms?.Dispose();
        _norms = null;
    }
}
