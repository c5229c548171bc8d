using System.Runtime.InteropServices;
using Silk.NET.Core.Loader;
using Silk.NET.OpenCL;

namespace Engine.Backends.OpenCL;

/// <summary>
/// The subset of the OpenCL 1.2 C API the backend calls, bound through Silk.NET.OpenCL. The C-shaped signatures
/// (handles as <see cref="nint"/>, parameter names as <see cref="uint"/>) keep the rest of the backend independent of Silk's types.
/// </summary>
internal static unsafe class ClNative
{
    private const string Library = "libOpenCL.so.1";

    public const int Success = 0;
    public const int PlatformNotFoundKhr = -1001;
    public const ulong DeviceTypeAll = 0xFFFFFFFF;
    public const ulong MemReadWrite = 1;
    public const uint True = 1;
    public const uint False = 0;

    public const uint PlatformVersion = 0x0901;
    public const uint PlatformName = 0x0902;
    public const uint PlatformVendor = 0x0903;

    public const uint DeviceType = 0x1000;
    public const ulong DeviceTypeCpu = 2;
    public const uint DeviceMaxComputeUnits = 0x1002;
    public const uint DeviceMaxWorkGroupSize = 0x1004;
    public const uint DeviceGlobalMemSize = 0x101F;
    public const uint DeviceLocalMemSize = 0x1023;
    public const uint DeviceName = 0x102B;
    public const uint DeviceVendor = 0x102C;
    public const uint DriverVersion = 0x102D;
    public const uint DeviceVersion = 0x102F;

    public const uint EventCommandExecutionStatus = 0x11D3;
    public const int Complete = 0x0;

    public const uint ProgramBinarySizes = 0x1165;
    public const uint ProgramBinaries = 0x1166;
    public const uint ProgramBuildLog = 0x1183;

    // Every entry point below. Silk resolves symbols on first call; resolving them all at load time turns a loader
    // that lacks one into a single clear error at discovery instead of a failure in the middle of a forward pass.
    private static readonly string[] EntryPoints =
    [
        "clGetPlatformIDs", "clGetPlatformInfo", "clGetDeviceIDs", "clGetDeviceInfo", "clCreateContext", "clReleaseContext",
        "clCreateCommandQueue", "clReleaseCommandQueue", "clFinish", "clCreateBuffer", "clReleaseMemObject",
        "clEnqueueReadBuffer", "clEnqueueWriteBuffer", "clEnqueueCopyBuffer", "clEnqueueFillBuffer",
        "clCreateProgramWithSource", "clCreateProgramWithBinary", "clBuildProgram", "clGetProgramBuildInfo",
        "clGetProgramInfo", "clReleaseProgram", "clCreateKernel", "clReleaseKernel", "clSetKernelArg", "clEnqueueNDRangeKernel",
        "clFlush", "clGetEventInfo", "clReleaseEvent",
    ];

    // ExecutionAndPublication caches a load failure, so every later call reports the same reason without retrying the probe.
    private static readonly Lazy<CL> LazyApi = new(LoadApi, LazyThreadSafetyMode.ExecutionAndPublication);

    private static CL Api => LazyApi.Value;

    /// <summary>
    /// Loads the ICD loader through Silk. A missing loader surfaces as <see cref="DllNotFoundException"/> and a missing
    /// entry point as <see cref="EntryPointNotFoundException"/>, the exceptions a direct P/Invoke binding would throw, so
    /// callers (<see cref="OpenCLPlatform"/>) need not know about Silk's loader exceptions.
    /// </summary>
    private static CL LoadApi()
    {
        CL api;
        try
        {
            api = CL.GetApi();
        }
        catch (Exception e) when (e is FileNotFoundException or DllNotFoundException or BadImageFormatException or PlatformNotSupportedException)
        {
            throw new DllNotFoundException($"{Library} is not installed or cannot be loaded: {e.Message}", e);
        }
        foreach (string name in EntryPoints)
        {
            try
            {
                api.Context.GetProcAddress(name);
            }
            catch (SymbolLoadingException e)
            {
                api.Dispose();
                throw new EntryPointNotFoundException($"{Library} has no entry point {name} (the backend needs OpenCL 1.2)", e);
            }
        }
        return api;
    }

    public static int clGetPlatformIDs(uint numEntries, nint* platforms, uint* numPlatforms) =>
        Api.GetPlatformIDs(numEntries, platforms, numPlatforms);

    public static int clGetPlatformInfo(nint platform, uint paramName, nuint size, void* value, nuint* sizeRet) =>
        Api.GetPlatformInfo(platform, (PlatformInfo)paramName, size, value, sizeRet);

    public static int clGetDeviceIDs(nint platform, ulong deviceType, uint numEntries, nint* devices, uint* numDevices) =>
        Api.GetDeviceIDs(platform, (Silk.NET.OpenCL.DeviceType)deviceType, numEntries, devices, numDevices);

    public static int clGetDeviceInfo(nint device, uint paramName, nuint size, void* value, nuint* sizeRet) =>
        Api.GetDeviceInfo(device, (DeviceInfo)paramName, size, value, sizeRet);

    public static nint clCreateContext(nint* properties, uint numDevices, nint* devices, nint notify, nint userData, int* error) =>
        Api.CreateContext(properties, numDevices, devices, Callback<NotifyCallback>(notify), (void*)userData, error);

    public static int clReleaseContext(nint context) => Api.ReleaseContext(context);

    public static nint clCreateCommandQueue(nint context, nint device, ulong properties, int* error) =>
        Api.CreateCommandQueue(context, device, (CommandQueueProperties)properties, error);

    public static int clReleaseCommandQueue(nint queue) => Api.ReleaseCommandQueue(queue);

    public static int clFinish(nint queue) => Api.Finish(queue);

    public static int clFlush(nint queue) => Api.Flush(queue);

    public static int clGetEventInfo(nint evt, uint paramName, nuint size, void* value, nuint* sizeRet) =>
        Api.GetEventInfo(evt, (EventInfo)paramName, size, value, sizeRet);

    public static int clReleaseEvent(nint evt) => Api.ReleaseEvent(evt);

    public static nint clCreateBuffer(nint context, ulong flags, nuint size, void* hostPtr, int* error) =>
        Api.CreateBuffer(context, (MemFlags)flags, size, hostPtr, error);

    public static int clReleaseMemObject(nint mem) => Api.ReleaseMemObject(mem);

    public static int clEnqueueReadBuffer(nint queue, nint buffer, uint blocking, nuint offset, nuint size, void* ptr, uint numEvents, nint* waitList, nint* evt) =>
        Api.EnqueueReadBuffer(queue, buffer, blocking != 0, offset, size, ptr, numEvents, waitList, evt);

    public static int clEnqueueWriteBuffer(nint queue, nint buffer, uint blocking, nuint offset, nuint size, void* ptr, uint numEvents, nint* waitList, nint* evt) =>
        Api.EnqueueWriteBuffer(queue, buffer, blocking != 0, offset, size, ptr, numEvents, waitList, evt);

    public static int clEnqueueCopyBuffer(nint queue, nint src, nint dst, nuint srcOffset, nuint dstOffset, nuint size, uint numEvents, nint* waitList, nint* evt) =>
        Api.EnqueueCopyBuffer(queue, src, dst, srcOffset, dstOffset, size, numEvents, waitList, evt);

    public static int clEnqueueFillBuffer(nint queue, nint buffer, void* pattern, nuint patternSize, nuint offset, nuint size, uint numEvents, nint* waitList, nint* evt) =>
        Api.EnqueueFillBuffer(queue, buffer, pattern, patternSize, offset, size, numEvents, waitList, evt);

    public static nint clCreateProgramWithSource(nint context, uint count, byte** strings, nuint* lengths, int* error) =>
        Api.CreateProgramWithSource(context, count, strings, lengths, error);

    public static nint clCreateProgramWithBinary(nint context, uint numDevices, nint* devices, nuint* lengths, byte** binaries, int* binaryStatus, int* error) =>
        Api.CreateProgramWithBinary(context, numDevices, devices, lengths, binaries, binaryStatus, error);

    public static int clBuildProgram(nint program, uint numDevices, nint* devices, byte* options, nint notify, nint userData) =>
        Api.BuildProgram(program, numDevices, devices, options, Callback<ObjectNotifyCallback>(notify), (void*)userData);

    public static int clGetProgramBuildInfo(nint program, nint device, uint paramName, nuint size, void* value, nuint* sizeRet) =>
        Api.GetProgramBuildInfo(program, device, (ProgramBuildInfo)paramName, size, value, sizeRet);

    public static int clGetProgramInfo(nint program, uint paramName, nuint size, void* value, nuint* sizeRet) =>
        Api.GetProgramInfo(program, (ProgramInfo)paramName, size, value, sizeRet);

    public static int clReleaseProgram(nint program) => Api.ReleaseProgram(program);

    public static nint clCreateKernel(nint program, byte* name, int* error) => Api.CreateKernel(program, name, error);

    public static int clReleaseKernel(nint kernel) => Api.ReleaseKernel(kernel);

    public static int clSetKernelArg(nint kernel, uint index, nuint size, void* value) => Api.SetKernelArg(kernel, index, size, value);

    public static int clEnqueueNDRangeKernel(nint queue, nint kernel, uint workDim, nuint* globalOffset, nuint* globalSize, nuint* localSize, uint numEvents, nint* waitList, nint* evt) =>
        Api.EnqueueNdrangeKernel(queue, kernel, workDim, globalOffset, globalSize, localSize, numEvents, waitList, evt);

    /// <summary>Throws an <see cref="OpenCLException"/> naming the call when <paramref name="status"/> is an error.</summary>
    public static void Check(int status, string call, string? detail = null)
    {
        if (status != Success)
        {
            throw new OpenCLException(status, call, detail);
        }
    }

    // Silk takes notification callbacks as delegates; the C-shaped signature passes a function pointer (0 for none,
    // which is all the backend passes), so only a real pointer is wrapped.
    private static T? Callback<T>(nint function)
        where T : Delegate =>
        function == 0 ? null : Marshal.GetDelegateForFunctionPointer<T>(function);
}
