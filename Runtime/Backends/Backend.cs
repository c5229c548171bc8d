using Engine.Backends.Cpu;
using Engine.Memory;

namespace Engine;

/// <summary>
/// A place where blobs live and layers compute: the managed CPU, or a device such as an OpenCL GPU.
/// Layers ask the backend whether to run their device path; blobs take their device allocator from it.
/// </summary>
public abstract class Backend
{
    /// <summary>The process-wide CPU backend (uses <see cref="WorkerPool.Shared"/>).</summary>
    public static CpuBackend Cpu { get; } = new CpuBackend(null);

    /// <summary>Short name, e.g. <c>cpu</c> or <c>opencl:0</c>.</summary>
    public abstract string Name { get; }

    /// <summary>True when layers should run their device path (data lives in device buffers).</summary>
    public abstract bool IsDevice { get; }

    /// <summary>Allocator for device buffers, or null for host-only backends.</summary>
    public virtual IDeviceAllocator? DeviceAllocator => null;

    /// <summary>Host-side math used by every layer's CPU path.</summary>
    public abstract IMath Math { get; }

    /// <inheritdoc />
    public override string ToString() => Name;
}
