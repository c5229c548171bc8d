using Engine.Memory;

namespace Engine.Backends.OpenCL;

/// <summary>
/// Device allocator that recycles cl_mem buffers in power-of-two size buckets, so a net that reshapes to sizes it has
/// seen before (every training step after the first) creates no new buffers.
/// </summary>
public sealed unsafe class OpenCLBufferPool : IDeviceAllocator, IDisposable
{
    // Below this, rounding to a power of two wastes little, and small buffers are the most numerous.
    private const long MinBucket = 64;

    private readonly Dictionary<long, Stack<nint>> _free = [];
    private readonly Lock _lock = new();
    private readonly nint _context;

    internal OpenCLBufferPool(nint context, nint queue)
    {
        _context = context;
        Queue = queue;
    }

    internal nint Queue { get; }

    /// <summary>cl_mem buffers created so far (steady-state training keeps this constant).</summary>
    public long BuffersCreated { get; private set; }

    /// <summary>cl_mem buffers that exist now (created and not yet released), in use or pooled.</summary>
    public long LiveBuffers { get; private set; }

    /// <summary>Allocations served from the pool.</summary>
    public long Reuses { get; private set; }

    /// <summary>Bytes currently held on the device, in use or pooled.</summary>
    public long BytesHeld { get; private set; }

    /// <summary>Bytes held in the pool, unused.</summary>
    public long BytesPooled { get; private set; }

    /// <inheritdoc />
    public IDeviceMemory Allocate(long length) => Rent(length);

    /// <summary>A buffer of at least <paramref name="length"/> floats, reused when a free one of its bucket exists.</summary>
    public OpenCLBuffer Rent(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        long bucket = Bucket(length);
        lock (_lock)
        {
            if (_free.TryGetValue(bucket, out Stack<nint>? stack) && stack.Count > 0)
            {
                Reuses++;
                BytesPooled -= bucket * sizeof(float);
                return new OpenCLBuffer(this, stack.Pop(), length, bucket);
            }
        }
        int error;
        nint mem = ClNative.clCreateBuffer(_context, ClNative.MemReadWrite, (nuint)(bucket * sizeof(float)), null, &error);
        if (error != ClNative.Success)
        {
            // Pooled buffers may be what fills the device: release them and try once more.
            Trim();
            mem = ClNative.clCreateBuffer(_context, ClNative.MemReadWrite, (nuint)(bucket * sizeof(float)), null, &error);
            ClNative.Check(error, "clCreateBuffer", $"{bucket * sizeof(float)} bytes");
        }
        lock (_lock)
        {
            BuffersCreated++;
            LiveBuffers++;
            BytesHeld += bucket * sizeof(float);
        }
        return new OpenCLBuffer(this, mem, length, bucket);
    }

    internal void Return(nint handle, long bucket)
    {
        lock (_lock)
        {
            if (!_free.TryGetValue(bucket, out Stack<nint>? stack))
            {
                stack = new Stack<nint>();
                _free[bucket] = stack;
            }
            stack.Push(handle);
            BytesPooled += bucket * sizeof(float);
        }
    }

    /// <summary>Releases every pooled (unused) buffer.</summary>
    public void Trim()
    {
        lock (_lock)
        {
            foreach ((long bucket, Stack<nint> stack) in _free)
            {
                while (stack.Count > 0)
                {
                    ClNative.clReleaseMemObject(stack.Pop());
                    LiveBuffers--;
                    BytesHeld -= bucket * sizeof(float);
                    BytesPooled -= bucket * sizeof(float);
                }
            }
        }
    }

    /// <summary>Size bucket for a request: the next power of two, at least <see cref="MinBucket"/> floats.</summary>
    internal static long Bucket(long length) => Math.Max(MinBucket, (long)System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)Math.Max(1, length)));

    /// <inheritdoc />
    public void Dispose() => Trim();
}
