using Engine.Memory;

namespace Engine.Backends.OpenCL;

/// <summary>Short names for a blob's device buffers (reading syncs from the host if needed; writing makes the device copy the newest).</summary>
public static class BlobDeviceExtensions
{
    /// <summary>The data buffer, for reading.</summary>
    public static IDeviceMemory DeviceData(this Blob blob) => blob.DataMemory.DeviceData;

    /// <summary>The data buffer, for writing.</summary>
    public static IDeviceMemory MutableDeviceData(this Blob blob) => blob.DataMemory.MutableDeviceData;

    /// <summary>The diff buffer, for reading.</summary>
    public static IDeviceMemory DeviceDiff(this Blob blob) => blob.DiffMemory.DeviceData;

    /// <summary>The diff buffer, for writing.</summary>
    public static IDeviceMemory MutableDeviceDiff(this Blob blob) => blob.DiffMemory.MutableDeviceData;
}
