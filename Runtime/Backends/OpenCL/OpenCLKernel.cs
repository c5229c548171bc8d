using Engine.Memory;

namespace Engine.Backends.OpenCL;

/// <summary>
/// One kernel of a built program, bound to its backend's queue. Set arguments, then launch; arguments persist
/// between launches. Not thread-safe (OpenCL kernel arguments are shared state), like the layers that own them.
/// </summary>
public sealed unsafe class OpenCLKernel
{
    private readonly nint _queue;

    internal OpenCLKernel(nint handle, nint queue, string name, string file)
    {
        Handle = handle;
        _queue = queue;
        Name = name;
        File = file;
    }

    /// <summary>The cl_kernel handle.</summary>
    public nint Handle { get; }

    /// <summary>Kernel function name.</summary>
    public string Name { get; }

    /// <summary>The .cl file it came from.</summary>
    public string File { get; }

    /// <summary>Sets a buffer argument (an <see cref="OpenCLBuffer"/>).</summary>
    public OpenCLKernel Arg(uint index, IDeviceMemory buffer)
    {
        nint mem = AsBuffer(buffer).Handle;
        return Set(index, (nuint)sizeof(nint), &mem);
    }

    /// <summary>Sets an <c>int</c> argument.</summary>
    public OpenCLKernel Arg(uint index, int value) => Set(index, sizeof(int), &value);

    /// <summary>Sets a <c>float</c> argument.</summary>
    public OpenCLKernel Arg(uint index, float value) => Set(index, sizeof(float), &value);

    /// <summary>Runs over <paramref name="global"/> work-items (local size chosen by the runtime, or <paramref name="local"/> when positive, which then rounds global up).</summary>
    public void Launch(long global, int local = 0)
    {
        if (global <= 0)
        {
            return;
        }
        nuint g = (nuint)(local > 0 ? RoundUp(global, local) : global);
        nuint l = (nuint)local;
        CheckLaunch(ClNative.clEnqueueNDRangeKernel(_queue, Handle, 1, null, &g, local > 0 ? &l : null, 0, null, null));
    }

    /// <summary>Runs a 2-D range (x fastest) with an explicit work-group shape; the global size is rounded up to it.</summary>
    public void Launch(long globalX, long globalY, int localX, int localY)
    {
        if (globalX <= 0 || globalY <= 0)
        {
            return;
        }
        nuint* g = stackalloc nuint[2];
        nuint* l = stackalloc nuint[2];
        g[0] = (nuint)RoundUp(globalX, localX);
        g[1] = (nuint)RoundUp(globalY, localY);
        l[0] = (nuint)localX;
        l[1] = (nuint)localY;
        CheckLaunch(ClNative.clEnqueueNDRangeKernel(_queue, Handle, 2, null, g, l, 0, null, null));
    }

    internal static OpenCLBuffer AsBuffer(IDeviceMemory memory) => memory as OpenCLBuffer
        ?? throw new ArgumentException($"expected an OpenCL buffer, got {memory.GetType().Name}: blobs of another backend cannot be passed to an OpenCL kernel.", nameof(memory));

    // The message is built only on failure: launches are on the per-layer hot path, which must not allocate.
    private void CheckLaunch(int status)
    {
        if (status != ClNative.Success)
        {
            throw new OpenCLException(status, "clEnqueueNDRangeKernel", $"kernel {Name} ({File})");
        }
    }

    private static long RoundUp(long value, int multiple) => (value + multiple - 1) / multiple * multiple;

    private OpenCLKernel Set(uint index, nuint size, void* value)
    {
        int status = ClNative.clSetKernelArg(Handle, index, size, value);
        if (status != ClNative.Success)
        {
            throw new OpenCLException(status, "clSetKernelArg", $"argument {index} of kernel {Name} ({File})");
        }
        return this;
    }
}
