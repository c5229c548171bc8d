using Engine.Memory;

namespace Engine.Backends.OpenCL;

/// <summary>
/// A float buffer in an OpenCL context (a cl_mem). <see cref="Capacity"/> may exceed <see cref="Length"/> because the
/// pool hands out size buckets; disposing returns the cl_mem to its pool instead of releasing it.
/// </summary>
public sealed unsafe class OpenCLBuffer : IDeviceMemory
{
    private readonly OpenCLBufferPool _pool;
    private nint _handle;

    internal OpenCLBuffer(OpenCLBufferPool pool, nint handle, long length, long capacity)
    {
        _pool = pool;
        _handle = handle;
        Length = length;
        Capacity = capacity;
    }

    /// <inheritdoc />
    public long Length { get; }

    /// <summary>Floats the underlying cl_mem holds (its pool bucket).</summary>
    public long Capacity { get; }

    /// <summary>The cl_mem handle; valid until disposal.</summary>
    public nint Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle == 0, this);
            return _handle;
        }
    }

    /// <inheritdoc />
    public void CopyFromHost(ReadOnlySpan<float> source)
    {
        CheckRange(source.Length);
        if (source.IsEmpty)
        {
            return;
        }
        fixed (float* p = source)
        {
            ClNative.Check(ClNative.clEnqueueWriteBuffer(_pool.Queue, Handle, ClNative.True, 0, (nuint)(source.Length * sizeof(float)), p, 0, null, null),
                "clEnqueueWriteBuffer");
        }
    }

    /// <inheritdoc />
    public void CopyToHost(Span<float> destination)
    {
        CheckRange(destination.Length);
        if (destination.IsEmpty)
        {
            return;
        }
        fixed (float* p = destination)
        {
            ClNative.Check(ClNative.clEnqueueReadBuffer(_pool.Queue, Handle, ClNative.True, 0, (nuint)(destination.Length * sizeof(float)), p, 0, null, null),
                "clEnqueueReadBuffer");
        }
    }

    /// <summary>
    /// Starts copying the first <paramref name="count"/> floats into <paramref name="destination"/> (pinned host memory
    /// that must stay valid until the copy completes) without waiting, and flushes the queue so the device starts.
    /// Returns the event to poll with <see cref="IsComplete"/>; release it with <see cref="ReleaseEvent"/>.
    /// </summary>
    internal nint BeginCopyToHost(float* destination, int count)
    {
        CheckRange(count);
        nint evt;
        ClNative.Check(ClNative.clEnqueueReadBuffer(_pool.Queue, Handle, ClNative.False, 0, (nuint)(count * sizeof(float)), destination, 0, null, &evt),
            "clEnqueueReadBuffer");
        ClNative.Check(ClNative.clFlush(_pool.Queue), "clFlush");
        return evt;
    }

    /// <summary>True when the command behind <paramref name="evt"/> has finished (errors become exceptions).</summary>
    internal static bool IsComplete(nint evt)
    {
        int status;
        ClNative.Check(ClNative.clGetEventInfo(evt, ClNative.EventCommandExecutionStatus, sizeof(int), &status, null), "clGetEventInfo");
        if (status < 0)
        {
            throw new OpenCLException(status, "clEnqueueReadBuffer (asynchronous)");
        }
        return status == ClNative.Complete;
    }

    /// <summary>Releases an event returned by <see cref="BeginCopyToHost"/>.</summary>
    internal static void ReleaseEvent(nint evt) => ClNative.Check(ClNative.clReleaseEvent(evt), "clReleaseEvent");

    /// <inheritdoc />
    public void Clear(long count)
    {
        CheckRange(count);
        if (count == 0)
        {
            return;
        }
        float zero = 0f;
        ClNative.Check(ClNative.clEnqueueFillBuffer(_pool.Queue, Handle, &zero, sizeof(float), 0, (nuint)(count * sizeof(float)), 0, null, null),
            "clEnqueueFillBuffer");
    }

    private void CheckRange(long count)
    {
        if (count > Length)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"the device buffer holds {Length} floats.");
        }
    }

    /// <summary>Returns the cl_mem to the pool.</summary>
    public void Dispose()
    {
        nint handle = _handle;
        _handle = 0;
        if (handle != 0)
        {
            _pool.Return(handle, Capacity);
        }
    }
}
