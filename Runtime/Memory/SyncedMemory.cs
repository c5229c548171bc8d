using System.Diagnostics;
using System.Runtime.CompilerServices;
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

    // Host storage is a pinned managed array, not NativeMemory: a span handed out over it is a GC reference into the array
    // and keeps it alive. With native memory, a span outliving its blob (a test reading x.Diff after the blob became
    // unreachable) read memory the finalizer had freed, and crashed the process with an AccessViolation far from the cause.
    private float[]? _hostArray;
    private int _hostOffset;
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

    /// <summary>
    /// Counts the mutable accesses (host or device): a cache derived from the contents (packed weights) is current while the
    /// version it was made at is. A write through a span or pointer taken before the cache was made is not seen.
    /// </summary>
    public long Version { get; private set; }

    /// <summary>True when this memory can live on a device.</summary>
    public bool HasDevice => _allocator is not null;

    /// <summary>Host view for reading; syncs from the device if the device copy is newer.</summary>
    public ReadOnlySpan<float> HostData
    {
        get
        {
            ToHost();
            return HostSpan();
        }
    }

    /// <summary>Host view for writing; the device copy becomes stale.</summary>
    public Span<float> MutableHostData
    {
        get
        {
            ToHost();
            Head = MemoryHead.AtHost;
            Version++;
            return HostSpan();
        }
    }

    /// <summary>Raw host pointer for writing (the device copy becomes stale). Valid until disposal.</summary>
    public float* MutableHostPointer
    {
        get
        {
            ToHost();
            Head = MemoryHead.AtHost;
            Version++;
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
            Version++;
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
                HostSpan().Clear();
                Head = MemoryHead.AtHost;
                break;
            case MemoryHead.AtDevice:
                if (_host == null)
                {
                    AllocateHost();
                }
                _device!.CopyToHost(HostSpan());
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
                _device.CopyFromHost(HostSpan());
                TransfersToDevice++;
                Head = MemoryHead.Synced;
                break;
        }
    }

    private void AllocateHost()
    {
        // At least one element so that a zero-length blob still has a valid, aligned pointer; the slack lets the start
        // move up to the next 64-byte boundary (the pinned heap never moves the array, so the pointer stays valid).
        int length = (int)Math.Max(1, Length);
        const int slack = Alignment / sizeof(float);
        float[] array = GC.AllocateUninitializedArray<float>(length + slack, pinned: true);
        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        int misalignment = (int)(address & (Alignment - 1));
        _hostOffset = misalignment == 0 ? 0 : (Alignment - misalignment) / sizeof(float);
        _hostArray = array;
        _host = (float*)address + _hostOffset;
        Interlocked.Add(ref s_liveHostBytes, HostBytes);
    }

    /// <summary>Span over the host storage built from the array (not the raw pointer), so that it roots the array.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Span<float> HostSpan()
    {
        Debug.Assert(_hostArray is not null && _hostOffset + Length <= _hostArray.Length, "host storage smaller than Length");
        return MemoryMarshal.CreateSpan(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_hostArray!), _hostOffset), (int)Length);
    }

    private long HostBytes => Math.Max(1, Length) * sizeof(float);

    /// <summary>
    /// Releases host and device memory. Spans handed out earlier keep the host array alive until they are gone (they then
    /// read stale values, never freed memory).
    /// </summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        ReleaseHost();
        _device?.Dispose();
        _device = null;
        GC.SuppressFinalize(this);
    }

    /// <summary>Keeps <see cref="LiveHostBytes"/> exact when the owner forgot to dispose (the array itself is the GC's).</summary>
    ~SyncedMemory() => ReleaseHost();

    private void ReleaseHost()
    {
        if (_hostArray is not null)
        {
            Interlocked.Add(ref s_liveHostBytes, -HostBytes);
            _hostArray = null;
            _host = null;
        }
    }
}
