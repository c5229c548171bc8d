using System.Reflection;
using Engine.Memory;

namespace Engine.Backends.OpenCL;

/// <summary>
/// A backend on one OpenCL device (<c>opencl:N</c>): one context and one in-order queue, a pooling buffer allocator,
/// the program cache and device math. Layers with device code run their kernels here; the others run their CPU path
/// on host copies that <see cref="SyncedMemory"/> moves as needed. One instance per device per process (<see cref="Open"/>).
/// </summary>
public sealed unsafe class OpenCLBackend : Backend
{
    private static readonly Dictionary<int, OpenCLBackend> Opened = [];
    private static readonly Lock OpenLock = new();

    private OpenCLBackend(OpenCLDeviceInfo device)
    {
        Device = device;
        nint id = device.DeviceId;
        int error;
        Context = ClNative.clCreateContext(null, 1, &id, 0, 0, &error);
        ClNative.Check(error, "clCreateContext", device.Name);
        Queue = ClNative.clCreateCommandQueue(Context, id, 0, &error);
        ClNative.Check(error, "clCreateCommandQueue", device.Name);
        Pool = new OpenCLBufferPool(Context, Queue);
        Programs = new OpenCLProgramCache(this);
        DeviceMath = new OpenCLMath(this);
    }

    /// <summary>The backend of device <paramref name="index"/> (see <see cref="OpenCLPlatform.Devices"/>), created on first use.</summary>
    /// <exception cref="OpenCLException">OpenCL is unavailable or the index names no device.</exception>
    public static OpenCLBackend Open(int index = 0)
    {
        lock (OpenLock)
        {
            if (Opened.TryGetValue(index, out OpenCLBackend? backend))
            {
                return backend;
            }
            if (OpenCLPlatform.Availability is { } problem)
            {
                throw new OpenCLException($"opencl:{index} is unavailable: {problem}");
            }
            IReadOnlyList<OpenCLDeviceInfo> devices = OpenCLPlatform.Devices;
            if (index < 0 || index >= devices.Count)
            {
                throw new OpenCLException($"opencl:{index} does not exist; devices are " +
                    string.Join(", ", devices.Select(d => $"opencl:{d.Index} ({d.Name})")) + ".");
            }
            backend = new OpenCLBackend(devices[index]);
            Opened[index] = backend;
            return backend;
        }
    }

    /// <summary>
    /// A new backend of device <paramref name="index"/> with its own context and queue, not shared with
    /// <see cref="Open"/>: for a second replica on the same device (kernels and scratch buffers serve one thread at a time).
    /// </summary>
    /// <exception cref="OpenCLException">OpenCL is unavailable or the index names no device.</exception>
    public static OpenCLBackend OpenSeparate(int index)
    {
        OpenCLBackend shared = Open(index);
        return new OpenCLBackend(shared.Device);
    }

    /// <summary>The device this backend computes on.</summary>
    public OpenCLDeviceInfo Device { get; }

    /// <inheritdoc />
    public override string Name => $"opencl:{Device.Index}";

    /// <inheritdoc />
    public override bool IsDevice => true;

    /// <inheritdoc />
    public override IDeviceAllocator? DeviceAllocator => Pool;

    /// <summary>Host math for layers that run their CPU path (the shared CPU backend's).</summary>
    public override IMath Math => Cpu.Math;

    /// <summary>The pooling allocator of device buffers.</summary>
    public OpenCLBufferPool Pool { get; }

    /// <summary>Programs built for this device.</summary>
    public OpenCLProgramCache Programs { get; }

    /// <summary>BLAS-like math over this device's buffers.</summary>
    public OpenCLMath DeviceMath { get; }

    internal nint Context { get; }

    internal nint Queue { get; }

    /// <summary>A kernel from a <c>.cl</c> file embedded in <paramref name="assembly"/> (built once per process).</summary>
    public OpenCLKernel Kernel(Assembly assembly, string fileName, string kernelName) => Programs.Kernel(assembly, fileName, kernelName);

    /// <summary>Waits until every enqueued command has finished (for timing; reads sync by themselves).</summary>
    public void Finish() => ClNative.Check(ClNative.clFinish(Queue), "clFinish");

    /// <summary>Submits queued commands to the device without waiting for them.</summary>
    public void Flush() => ClNative.Check(ClNative.clFlush(Queue), "clFlush");
}
