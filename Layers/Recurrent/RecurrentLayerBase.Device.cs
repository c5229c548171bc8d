using Engine.Backends.OpenCL;
using Engine.Memory;

namespace Engine.Layers;

/// <summary>
/// Device-side pieces shared by RNN and LSTM: the element-wise kernels of RecurrentLayerBase.cl, device scratch blobs
/// and the carried states (kept on the device between forwards when the hidden state is not exposed).
/// </summary>
public abstract partial class RecurrentLayerBase
{
    private OpenCLKernel? _scaleRows;
    private OpenCLKernel? _tanhInPlace;
    private OpenCLKernel? _tanhGradient;
    private Blob[] _deviceCarried = [];
    private int _deviceCarriedStreams = -1;
    private readonly List<Blob> _deviceScratch = [];

    /// <summary>Fetches the shared kernels once and resets the device carried states when the batch layout changed.</summary>
    private protected OpenCLMath PrepareDeviceBase(OpenCLBackend cl)
    {
        System.Reflection.Assembly assembly = typeof(RecurrentLayerBase).Assembly;
        _scaleRows ??= cl.Kernel(assembly, "RecurrentLayerBase.cl", "scale_rows");
        _tanhInPlace ??= cl.Kernel(assembly, "RecurrentLayerBase.cl", "tanh_in_place");
        _tanhGradient ??= cl.Kernel(assembly, "RecurrentLayerBase.cl", "tanh_gradient");
        if (!ExposeHidden && _deviceCarriedStreams != Streams)
        {
            // As the host path: a new batch layout starts from zero states.
            if (_deviceCarried.Length == 0)
            {
                _deviceCarried = new Blob[NumStates];
                for (int k = 0; k < NumStates; k++)
                {
                    _deviceCarried[k] = NewScratch("carried_state");
                }
            }
            foreach (Blob carried in _deviceCarried)
            {
                Size(carried, Streams * Hidden);
                cl.DeviceMath.Set(carried.Count, 0f, carried.MutableDeviceData(), 0);
            }
            _deviceCarriedStreams = Streams;
        }
        return cl.DeviceMath;
    }

    /// <summary>A device scratch blob owned (and disposed) by this layer.</summary>
    private protected Blob NewScratch(string name)
    {
        var blob = new Blob(Name + "/" + name, Backend);
        _deviceScratch.Add(blob);
        return blob;
    }

    /// <summary>Sizes <paramref name="blob"/> to <paramref name="count"/> values (no allocation when it repeats).</summary>
    private protected static void Size(Blob blob, int count)
    {
        Span<int> shape = stackalloc int[1];
        shape[0] = Math.Max(count, 1);
        blob.Reshape(shape);
    }

    /// <summary>The initial state <paramref name="index"/> on the device: the exposed bottom or the carried state.</summary>
    private protected IDeviceMemory DeviceInitialState(IReadOnlyList<Blob> bottom, int index)
        => ExposeHidden ? bottom[FirstStateBottom + index].DeviceData() : _deviceCarried[index].DeviceData();

    /// <summary>Copies the final state <paramref name="index"/> into its top, or keeps it as the next forward's initial state.</summary>
    private protected void DeviceStoreFinalState(OpenCLMath math, IReadOnlyList<Blob> top, int index, IDeviceMemory state, int offset)
    {
        IDeviceMemory target = ExposeHidden ? top[1 + index].MutableDeviceData() : _deviceCarried[index].MutableDeviceData();
        math.Copy(Streams * Hidden, state, offset, target, 0);
    }

    /// <summary>y[r, ·] = cont[r]·x[r, ·] over the N streams of one step.</summary>
    private protected void DeviceScaleRows(IDeviceMemory cont, int offCont, IDeviceMemory x, int offX, IDeviceMemory y, int offY)
        => _scaleRows!.Arg(0, Streams).Arg(1, Hidden).Arg(2, cont).Arg(3, offCont).Arg(4, x).Arg(5, offX).Arg(6, y).Arg(7, offY)
            .Launch((long)Streams * Hidden);

    /// <summary>x = tanh(x) over <paramref name="count"/> values.</summary>
    private protected void DeviceTanh(int count, IDeviceMemory x, int offX)
        => _tanhInPlace!.Arg(0, count).Arg(1, x).Arg(2, offX).Launch(count);

    /// <summary>out = (a [+ add])·(1 − t²).</summary>
    private protected void DeviceTanhGradient(int count, IDeviceMemory a, int offA, IDeviceMemory? add, int offAdd, IDeviceMemory t, int offT,
        IDeviceMemory output, int offOut)
        => _tanhGradient!.Arg(0, count).Arg(1, a).Arg(2, offA).Arg(3, add ?? a).Arg(4, offAdd).Arg(5, add is null ? 0 : 1)
            .Arg(6, t).Arg(7, offT).Arg(8, output).Arg(9, offOut).Launch(count);

    /// <inheritdoc />
    public override void Dispose()
    {
        foreach (Blob blob in _deviceScratch)
        {
            blob.Dispose();
        }
        base.Dispose();
    }

    /// <summary>
    /// The parts of the pre-activations (T·N × <paramref name="width"/>) that do not depend on the recurrence, written into
    /// <paramref name="pre"/>: x·Wxᵀ + b (bottom 0, Blobs[0], Blobs[1]) plus, with a static input, its projection
    /// (bottom 2, Blobs[2], computed once into <paramref name="staticProjection"/>) added at every step.
    /// </summary>
    private protected void DeviceInputPreActivations(OpenCLMath math, IReadOnlyList<Blob> bottom, int width, Blob? staticProjection,
        IDeviceMemory pre)
    {
        int n = Streams, tn = Steps * n, nw = n * width;
        math.Gemm(false, true, tn, width, InputDim, 1f, bottom[0].DeviceData(), 0, Blobs[0].DeviceData(), 0, 0f, pre, 0);
        math.AddRowVector(tn, width, Blobs[1].DeviceData(), 0, pre, 0);
        if (HasStatic)
        {
            IDeviceMemory s = staticProjection!.MutableDeviceData();
            math.Gemm(false, true, n, width, StaticDim, 1f, bottom[2].DeviceData(), 0, Blobs[2].DeviceData(), 0, 0f, s, 0);
            for (int t = 0; t < Steps; t++)
            {
                math.Add(nw, pre, t * nw, s, 0, pre, t * nw);
            }
        }
    }

    /// <summary>
    /// The gradients that flow from the pre-activations <paramref name="dPre"/> (T·N × <paramref name="width"/>: the
    /// four gates of an LSTM, the hidden pre-activation of an RNN) into the static input (bottom 2, weights Blobs[2],
    /// through Σ_t held in <paramref name="staticSum"/>) and into x (bottom 0, weights Blobs[0]).
    /// </summary>
    private protected void DeviceStaticAndInputGradients(OpenCLMath math, IDeviceMemory dPre, int width, Blob? staticSum,
        ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        int n = Streams, tn = Steps * n;
        if (HasStatic && (ParamPropagateDown[2] || propagateDown[2]))
        {
            // Σ_t dPre_t: a column sum over the T steps of (T × N·width).
            IDeviceMemory sum = staticSum!.MutableDeviceData();
            math.ColumnSum(Steps, n * width, 1f, dPre, 0, 0f, sum, 0);
            if (ParamPropagateDown[2])
            {
                math.Gemm(true, false, width, StaticDim, n, 1f, sum, 0, bottom[2].DeviceData(), 0, 1f, Blobs[2].MutableDeviceDiff(), 0);
            }
            if (propagateDown[2])
            {
                math.Gemm(false, false, n, StaticDim, width, 1f, sum, 0, Blobs[2].DeviceData(), 0, 0f, bottom[2].MutableDeviceDiff(), 0);
            }
        }
        if (propagateDown[0])
        {
            math.Gemm(false, false, tn, InputDim, width, 1f, dPre, 0, Blobs[0].DeviceData(), 0, 0f, bottom[0].MutableDeviceDiff(), 0);
        }
    }
}
