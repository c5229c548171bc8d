using Engine.Memory;
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

    /// <summary>
    /// Device forward for a parameterised element-wise kernel <c>name(int n, float p0, float p1, float p2, global const float* x,
    /// global float* y)</c> in the layer's own <c>.cl</c> file. When <paramref name="input"/> is given and the layer runs in
    /// place, the input is first copied on the device for the backward pass. Returns false (having run the CPU path) off OpenCL.
    /// </summary>
    private protected bool ForwardDeviceMap(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top, SavedInput? input, string name,
        ref OpenCLKernel? kernel, float p0 = 0f, float p1 = 0f, float p2 = 0f)
    {
        if (Backend is not OpenCLBackend cl)
        {
            ForwardCpu(bottom, top);
            return false;
        }
        kernel ??= cl.Kernel(GetType().Assembly, GetType().Name + ".cl", name);
        int n = bottom[0].Count;
        IDeviceMemory x = input is null ? bottom[0].DeviceData() : input.SaveDevice(cl, bottom[0], top[0]);
        kernel.Arg(0, n).Arg(1, p0).Arg(2, p1).Arg(3, p2).Arg(4, x).Arg(5, top[0].MutableDeviceData()).Launch(n);
        return true;
    }

    /// <summary>
    /// Device backward for a kernel <c>name(int n, float p0, float p1, float p2, global const float* x, global const float* y,
    /// global const float* dy, global float* dx)</c>; x is the saved input when <paramref name="input"/> is given, else the bottom.
    /// </summary>
    private protected void BackwardDeviceMap(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom,
        SavedInput? input, string name, ref OpenCLKernel? kernel, float p0 = 0f, float p1 = 0f, float p2 = 0f)
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
        kernel ??= cl.Kernel(GetType().Assembly, GetType().Name + ".cl", name);
        int n = bottom[0].Count;
        IDeviceMemory x = input is null ? bottom[0].DeviceData() : input.InputDevice(bottom[0], top[0]);
        kernel.Arg(0, n).Arg(1, p0).Arg(2, p1).Arg(3, p2).Arg(4, x).Arg(5, top[0].DeviceData()).Arg(6, top[0].DeviceDiff())
            .Arg(7, bottom[0].MutableDeviceDiff()).Launch(n);
    }
}
