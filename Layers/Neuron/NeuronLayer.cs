using Engine.Backends.OpenCL;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>Base of element-wise layers: one bottom, one top of the same shape; may run in place (top = bottom).</summary>
public abstract class NeuronLayer : Layer
{
    /// <summary>Creates the layer.</summary>
    protected NeuronLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    public override int ExactNumBottomBlobs => 1;

    /// <inheritdoc />
    public override int ExactNumTopBlobs => 1;

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top) => top[0].ReshapeLike(bottom[0]);

    /// <summary>
    /// Device forward for a kernel <c>name(int n, global const float* x, global float* y)</c> in <paramref name="file"/>
    /// (beside the layer); other backends run the CPU path. The kernel is built once and cached in <paramref name="kernel"/>.
    /// </summary>
    protected void ForwardDeviceElementwise(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top, string file, string name, ref OpenCLKernel? kernel)
    {
        if (Backend is not OpenCLBackend cl)
        {
            ForwardCpu(bottom, top);
            return;
        }
        kernel ??= cl.Kernel(GetType().Assembly, file, name);
        int n = bottom[0].Count;
        kernel.Arg(0, n).Arg(1, bottom[0].DeviceData()).Arg(2, top[0].MutableDeviceData()).Launch(n);
    }

    /// <summary>
    /// Device backward for a gradient that depends on the output only: a kernel
    /// <c>name(int n, global const float* y, global const float* dy, global float* dx)</c>.
    /// </summary>
    protected void BackwardDeviceFromOutput(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom, string file, string name, ref OpenCLKernel? kernel)
    {
        if (Backend is not OpenCLBackend cl)
        {
            BackwardCpu(top, propagateDown, bottom);
            return;
        }
        if (!propagateDown[0])
        {
            return;
        }
        kernel ??= cl.Kernel(GetType().Assembly, file, name);
        int n = bottom[0].Count;
        kernel.Arg(0, n).Arg(1, top[0].DeviceData()).Arg(2, top[0].DeviceDiff()).Arg(3, bottom[0].MutableDeviceDiff()).Launch(n);
    }
}
