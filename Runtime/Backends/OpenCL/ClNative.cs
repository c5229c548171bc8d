using System.Runtime.InteropServices;

namespace Engine.Backends.OpenCL;

/// <summary>The subset of the OpenCL 1.2 C API the backend calls, bound to the ICD loader (libOpenCL.so.1).</summary>
internal static unsafe partial class ClNative
{
    private const string Library = "libOpenCL.so.1";

    public const int Success = 0;
    public const int PlatformNotFoundKhr = -1001;
    public const ulong DeviceTypeAll = 0xFFFFFFFF;
    public const ulong MemReadWrite = 1;
    public const uint True = 1;

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

    public const uint ProgramBinarySizes = 0x1165;
    public const uint ProgramBinaries = 0x1166;
    public const uint ProgramBuildLog = 0x1183;

    [LibraryImport(Library)]
    public static partial int clGetPlatformIDs(uint numEntries, nint* platforms, uint* numPlatforms);

    [LibraryImport(Library)]
    public static partial int clGetPlatformInfo(nint platform, uint paramName, nuint size, void* value, nuint* sizeRet);

    [LibraryImport(Library)]
    public static partial int clGetDeviceIDs(nint platform, ulong deviceType, uint numEntries, nint* devices, uint* numDevices);

    [LibraryImport(Library)]
    public static partial int clGetDeviceInfo(nint device, uint paramName, nuint size, void* value, nuint* sizeRet);

    [LibraryImport(Library)]
    public static partial nint clCreateContext(nint* properties, uint numDevices, nint* devices, nint notify, nint userData, int* error);

    [LibraryImport(Library)]
    public static partial int clReleaseContext(nint context);

    [LibraryImport(Library)]
    public static partial nint clCreateCommandQueue(nint context, nint device, ulong properties, int* error);

    [LibraryImport(Library)]
    public static partial int clReleaseCommandQueue(nint queue);

    [LibraryImport(Library)]
    public static partial int clFinish(nint queue);

    [LibraryImport(Library)]
    public static partial nint clCreateBuffer(nint context, ulong flags, nuint size, void* hostPtr, int* error);

    [LibraryImport(Library)]
    public static partial int clReleaseMemObject(nint mem);

    [LibraryImport(Library)]
    public static partial int clEnqueueReadBuffer(nint queue, nint buffer, uint blocking, nuint offset, nuint size, void* ptr, uint numEvents, nint* waitList, nint* evt);

    [LibraryImport(Library)]
    public static partial int clEnqueueWriteBuffer(nint queue, nint buffer, uint blocking, nuint offset, nuint size, void* ptr, uint numEvents, nint* waitList, nint* evt);

    [LibraryImport(Library)]
    public static partial int clEnqueueCopyBuffer(nint queue, nint src, nint dst, nuint srcOffset, nuint dstOffset, nuint size, uint numEvents, nint* waitList, nint* evt);

    [LibraryImport(Library)]
    public static partial int clEnqueueFillBuffer(nint queue, nint buffer, void* pattern, nuint patternSize, nuint offset, nuint size, uint numEvents, nint* waitList, nint* evt);

    [LibraryImport(Library)]
    public static partial nint clCreateProgramWithSource(nint context, uint count, byte** strings, nuint* lengths, int* error);

    [LibraryImport(Library)]
    public static partial nint clCreateProgramWithBinary(nint context, uint numDevices, nint* devices, nuint* lengths, byte** binaries, int* binaryStatus, int* error);

    [LibraryImport(Library)]
    public static partial int clBuildProgram(nint program, uint numDevices, nint* devices, byte* options, nint notify, nint userData);

    [LibraryImport(Library)]
    public static partial int clGetProgramBuildInfo(nint program, nint device, uint paramName, nuint size, void* value, nuint* sizeRet);

    [LibraryImport(Library)]
    public static partial int clGetProgramInfo(nint program, uint paramName, nuint size, void* value, nuint* sizeRet);

    [LibraryImport(Library)]
    public static partial int clReleaseProgram(nint program);

    [LibraryImport(Library)]
    public static partial nint clCreateKernel(nint program, byte* name, int* error);

    [LibraryImport(Library)]
    public static partial int clReleaseKernel(nint kernel);

    [LibraryImport(Library)]
    public static partial int clSetKernelArg(nint kernel, uint index, nuint size, void* value);

    [LibraryImport(Library)]
    public static partial int clEnqueueNDRangeKernel(nint queue, nint kernel, uint workDim, nuint* globalOffset, nuint* globalSize, nuint* localSize, uint numEvents, nint* waitList, nint* evt);

    /// <summary>Throws an <see cref="OpenCLException"/> naming the call when <paramref name="status"/> is an error.</summary>
    public static void Check(int status, string call, string? detail = null)
    {
        if (status != Success)
        {
            throw new OpenCLException(status, call, detail);
        }
    }
}
