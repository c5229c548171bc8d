namespace Engine.Memory;

/// <summary>
/// A buffer of floats that lives on a compute device (for example an OpenCL buffer).
/// Backends implement it; <see cref="SyncedMemory"/> moves data through it only when the other side reads.
/// </summary>
public interface IDeviceMemory : IDisposable
{
    /// <summary>Number of floats the buffer holds.</summary>
    long Length { get; }

    /// <summary>Copies <paramref name="source"/> into the start of the device buffer (blocking).</summary>
    void CopyFromHost(ReadOnlySpan<float> source);

    /// <summary>Copies the start of the device buffer into <paramref name="destination"/> (blocking).</summary>
    void CopyToHost(Span<float> destination);

    /// <summary>Sets the first <paramref name="count"/> floats to zero on the device.</summary>
    void Clear(long count);
}

/// <summary>Allocates device buffers for a backend. A pooling allocator lets steady-state training allocate nothing.</summary>
public interface IDeviceAllocator
{
    /// <summary>Allocates a device buffer holding at least <paramref name="length"/> floats.</summary>
    IDeviceMemory Allocate(long length);
}
