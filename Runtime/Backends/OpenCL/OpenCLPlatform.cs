using System.Text;

namespace Engine.Backends.OpenCL;

/// <summary>Discovers OpenCL devices. A missing loader or platform is an answer (<see cref="Availability"/>), not a crash.</summary>
public static unsafe class OpenCLPlatform
{
    private static readonly Lazy<(IReadOnlyList<OpenCLDeviceInfo> Devices, string? Problem)> Discovery = new(Discover);

    /// <summary>Every device of every platform, in index order; empty when OpenCL is unavailable.</summary>
    public static IReadOnlyList<OpenCLDeviceInfo> Devices => Discovery.Value.Devices;

    /// <summary>Null when at least one device was found; otherwise why not (no loader, no platform, no device).</summary>
    public static string? Availability => Discovery.Value.Problem;

    /// <summary>True when at least one OpenCL device can be used.</summary>
    public static bool IsAvailable => Discovery.Value.Problem is null;

    private static (IReadOnlyList<OpenCLDeviceInfo>, string?) Discover()
    {
        try
        {
            return DiscoverUnsafe();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return ([], $"the OpenCL loader could not be loaded through Silk.NET.OpenCL: {e.Message}");
        }
        catch (OpenCLException e)
        {
            return ([], e.Message);
        }
    }

    private static (IReadOnlyList<OpenCLDeviceInfo>, string?) DiscoverUnsafe()
    {
        uint platformCount;
        int status = ClNative.clGetPlatformIDs(0, null, &platformCount);
        if (status == ClNative.PlatformNotFoundKhr || (status == ClNative.Success && platformCount == 0))
        {
            return ([], "no OpenCL platform is installed (the ICD loader found no vendor file in /etc/OpenCL/vendors or $OCL_ICD_VENDORS).");
        }
        ClNative.Check(status, "clGetPlatformIDs");
        var platforms = new nint[platformCount];
        fixed (nint* p = platforms)
        {
            ClNative.Check(ClNative.clGetPlatformIDs(platformCount, p, null), "clGetPlatformIDs");
        }
        var devices = new List<OpenCLDeviceInfo>();
        foreach (nint platform in platforms)
        {
            uint deviceCount;
            status = ClNative.clGetDeviceIDs(platform, ClNative.DeviceTypeAll, 0, null, &deviceCount);
            if (status == -1 || deviceCount == 0)
            {
                continue; // CL_DEVICE_NOT_FOUND: a platform without devices is not an error.
            }
            ClNative.Check(status, "clGetDeviceIDs");
            var ids = new nint[deviceCount];
            fixed (nint* d = ids)
            {
                ClNative.Check(ClNative.clGetDeviceIDs(platform, ClNative.DeviceTypeAll, deviceCount, d, null), "clGetDeviceIDs");
            }
            string platformName = PlatformString(platform, ClNative.PlatformName);
            string platformVersion = PlatformString(platform, ClNative.PlatformVersion);
            foreach (nint id in ids)
            {
                devices.Add(new OpenCLDeviceInfo
                {
                    Index = devices.Count,
                    Platform = platformName,
                    PlatformVersion = platformVersion,
                    Name = DeviceString(id, ClNative.DeviceName),
                    Vendor = DeviceString(id, ClNative.DeviceVendor),
                    Version = DeviceString(id, ClNative.DeviceVersion),
                    DriverVersion = DeviceString(id, ClNative.DriverVersion),
                    ComputeUnits = (int)DeviceValue<uint>(id, ClNative.DeviceMaxComputeUnits),
                    GlobalMemory = (long)DeviceValue<ulong>(id, ClNative.DeviceGlobalMemSize),
                    LocalMemory = (long)DeviceValue<ulong>(id, ClNative.DeviceLocalMemSize),
                    MaxWorkGroupSize = (int)DeviceValue<nuint>(id, ClNative.DeviceMaxWorkGroupSize),
                    IsCpu = (DeviceValue<ulong>(id, ClNative.DeviceType) & ClNative.DeviceTypeCpu) != 0,
                    PlatformId = platform,
                    DeviceId = id,
                });
            }
        }
        return devices.Count == 0 ? ([], "OpenCL platforms were found but none has a device.") : (devices, null);
    }

    private static string PlatformString(nint platform, uint param)
    {
        nuint size;
        ClNative.Check(ClNative.clGetPlatformInfo(platform, param, 0, null, &size), "clGetPlatformInfo");
        var bytes = new byte[(int)size];
        fixed (byte* b = bytes)
        {
            ClNative.Check(ClNative.clGetPlatformInfo(platform, param, size, b, null), "clGetPlatformInfo");
        }
        return Encoding.UTF8.GetString(bytes).TrimEnd('\0').Trim();
    }

    private static string DeviceString(nint device, uint param)
    {
        nuint size;
        ClNative.Check(ClNative.clGetDeviceInfo(device, param, 0, null, &size), "clGetDeviceInfo");
        var bytes = new byte[(int)size];
        fixed (byte* b = bytes)
        {
            ClNative.Check(ClNative.clGetDeviceInfo(device, param, size, b, null), "clGetDeviceInfo");
        }
        return Encoding.UTF8.GetString(bytes).TrimEnd('\0').Trim();
    }

    private static T DeviceValue<T>(nint device, uint param)
        where T : unmanaged
    {
        T value;
        ClNative.Check(ClNative.clGetDeviceInfo(device, param, (nuint)sizeof(T), &value, null), "clGetDeviceInfo");
        return value;
    }
}
