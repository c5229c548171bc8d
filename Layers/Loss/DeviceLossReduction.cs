using Engine.Backends.OpenCL;
using Engine.Memory;

namespace Engine.Layers;

/// <summary>
/// Device scratch and reduction shared by loss layers: their forward kernels write one loss (and optionally a
/// counted flag) per item into <see cref="Items"/>, then <see cref="Reduce"/> sums on the device and writes the
/// normalized loss into the top. The normalizer stays on the device too (last scratch element) for the backward kernels.
/// </summary>
internal sealed class DeviceLossReduction : IDisposable
{
    private const int ReduceSize = 64;
    private Blob? _scratch;
    private OpenCLKernel? _kernel;
    private int _items;

    /// <summary>Sizes the scratch for <paramref name="items"/> items and returns it for the forward kernel to fill.</summary>
    public IDeviceMemory Items(OpenCLBackend cl, int items)
    {
        _scratch ??= new Blob("loss scratch", cl);
        Span<int> shape = stackalloc int[1];
        shape[0] = 2 * items + 1;
        _scratch.Reshape(shape);
        _items = items;
        return _scratch.MutableDeviceData();
    }

    /// <summary>The scratch as the last forward left it (the normalizer is at index 2·items), for backward kernels.</summary>
    public IDeviceMemory Scratch => (_scratch ?? throw new InvalidOperationException("the device forward pass has not run.")).DeviceData();

    /// <summary>Index of the normalizer in <see cref="Scratch"/>.</summary>
    public int NormalizerIndex => 2 * _items;

    /// <summary>top[0] = Σ items / normalizer: the count of counted items when <paramref name="countValid"/>, else <paramref name="fixedNormalizer"/>.</summary>
    public void Reduce(OpenCLBackend cl, bool countValid, float fixedNormalizer, Blob top)
    {
        _kernel ??= cl.Kernel(typeof(DeviceLossReduction).Assembly, "DeviceLossReduction.cl", "loss_reduce");
        _kernel.Arg(0, _items).Arg(1, countValid ? 1 : 0).Arg(2, fixedNormalizer).Arg(3, _scratch!.MutableDeviceData())
            .Arg(4, top.MutableDeviceData()).Launch(ReduceSize, ReduceSize);
    }

    public void Dispose() => _scratch?.Dispose();
}
