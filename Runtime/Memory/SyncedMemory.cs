using System.Runtime.InteropServices;

namespace Engine.Memory;

/// <summary>
/// Float storage mirrored between 64-byte-aligned host memory and an optional device buffer.
/// Reads through <see cref="HostData"/>/<see cref="DeviceData"/> sync lazily; the mutable accessors mark
/// their side as the newest, so data only crosses when the other side next reads it.
/// </summary>
public sealed unsafe class SyncedMemory : IDisposable
{
    /// <summary>Alignment of host allocations in bytes (a cache line, and the width of an AVX-512 register).</summary>
    public const int Alignment = 64;

    private static long s_liveHostBytes;

    private readonly IDeviceAllocator? _allocator;
    private float* _host;
    private IDeviceMemory? _device;
    private bool _disposed;

    /// <summary>Creates storage for <paramref name="length"/> floats; memory is allocated on first use.</summary>
    public SyncedMemory(long length, IDeviceAllocator? allocator = null)
    {
        if (length < 0 || length > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, "SyncedMemory holds between 0 and int.MaxValue floats.");
        }
        Length = length;
        _allocator = allocator;
    }

    /// <summary>Host bytes currently allocated by all SyncedMemory instances in the process (for leak tests and reports).</summary>
    public static long LiveHostBytes => Interlocked.Read(ref s_liveHostBytes);

    /// <summary>Number of floats held.</summary>
    public long Length { get; }

    /// <summary>Where the newest copy lives.</summary>
    public MemoryHead Head { get; private set; } = MemoryHead.Uninitialized;

    /// <summary>Counts copies from device to host (tests use it to prove data stays on the device).</summary>
    public long TransfersToHost { get; private set; }

    /// <summary>Counts copies from host to device.</summary>
    public long TransfersToDevice { get; private set; }

    /// <summary>True when this memory can live on a device.</summary>
    public bool HasDevice => _allocator is not null;

    /// <summary>Host view for reading; syncs from the device if the device copy is newer.</summary>
    public ReadOnlySpan<float> HostData
    {
        get
        {
            ToHost();
            return new ReadOnlySpan<float>(_host, (int)Length);
        }
    }

    /// <summary>Host view for writing; the device copy becomes stale.</summary>
    public Span<float> MutableHostData
    {
        get
        {
            ToHost();
            Head = MemoryHead.AtHost;
            return new Span<float>(_host, (int)Length);
        }
    }

    /// <summary>Raw host pointer for writing (the device copy becomes stale). Valid until disposal.</summary>
    public float* MutableHostPointer
    {
        get
        {
            ToHost();
            Head = MemoryHead.AtHost;
            return _host;
        }
    }

    /// <summary>Device buffer for reading; syncs from the host if the host copy is newer.</summary>
    public IDeviceMemory DeviceData
    {
        get
        {
            ToDevice();
            return _device!;
        }
    }

    /// <summary>Device buffer for writing; the host copy becomes stale.</summary>
    public IDeviceMemory MutableDeviceData
    {
        get
        {
            ToDevice();
            Head = MemoryHead.AtDevice;
            return _device!;
        }
    }

    private void ToHost()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        switch (Head)
        {
            case MemoryHead.Uninitialized:
                AllocateHost();
                new Span<float>(_host, (int)Length).Clear();
                Head = MemoryHead.AtHost;
                break;
            case MemoryHead.AtDevice:
                if (_host == null)
                {
                    AllocateHost();
                }
                _device!.CopyToHost(new Span<float>(_host, (int)Length));
                TransfersToHost++;
                Head = MemoryHead.Synced;
                break;
        }
    }

    private void ToDevice()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_allocator is null)
        {
            throw new InvalidOperationException("This memory belongs to a host-only backend; it has no device copy.");
        }
        switch (Head)
        {
            case MemoryHead.Uninitialized:
                _device ??= _allocator.Allocate(Length);
                _device.Clear(Length);
                Head = MemoryHead.AtDevice;
                break;
            case MemoryHead.AtHost:
                _device ??= _allocator.Allocate(Length);
                _device.CopyFromHost(new ReadOnlySpan<float>(_host, (int)Length));
                TransfersToDevice++;
                Head = MemoryHead.Synced;
                break;
        }
    }

    private void AllocateHost()
    {
        // At least one element so that a zero-length blob still has a valid, aligned pointer.
        nuint bytes = (nuint)Math.Max(1, Length) * sizeof(float);
        _host = (float*)NativeMemory.AlignedAlloc(bytes, Alignment);
        GC.AddMemoryPressure((long)bytes);
        Interlocked.Add(ref s_liveHostBytes, (long)bytes);
    }

    /// <summary>Releases host and device memory.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        if (_host != null)
        {
            NativeMemory.AlignedFree(_host);
            GC.RemoveMemoryPressure(Math.Max(1, Length) * sizeof(float));
            Interlocked.Add(ref s_liveHostBytes, -Math.Max(1, Length) * sizeof(float));
            _host = null;
        }
        _device?.Dispose();
        _device = null;
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees native memory if the owner forgot to dispose.</summary>
    ~SyncedMemory()
    {
        if (_host != null)
        {
            NativeMemory.AlignedFree(_host);
            Interlocked.Add(ref s_liveHostBytes, -Math.Max(1, Length) * sizeof(float));
            _host = null;
        }
    }
}
