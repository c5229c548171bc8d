namespace Engine.Backends.OpenCL;

/// <summary>What the OpenCL runtime reports about one device. <see cref="Index"/> counts devices across all platforms (the N of <c>opencl:N</c>).</summary>
public sealed record OpenCLDeviceInfo
{
    /// <summary>Index across every platform's devices, as used by <c>opencl:N</c> and <c>ENGINE_DEVICE</c>.</summary>
    public required int Index { get; init; }

    /// <summary>Name of the platform (e.g. <c>Portable Computing Language</c>).</summary>
    public required string Platform { get; init; }

    /// <summary>Version string of the platform.</summary>
    public required string PlatformVersion { get; init; }

    /// <summary>Device name.</summary>
    public required string Name { get; init; }

    /// <summary>Device vendor.</summary>
    public required string Vendor { get; init; }

    /// <summary>OpenCL version the device supports (CL_DEVICE_VERSION).</summary>
    public required string Version { get; init; }

    /// <summary>Driver version (part of the program-cache key).</summary>
    public required string DriverVersion { get; init; }

    /// <summary>Number of compute units.</summary>
    public required int ComputeUnits { get; init; }

    /// <summary>Global memory in bytes.</summary>
    public required long GlobalMemory { get; init; }

    /// <summary>Local (work-group shared) memory in bytes.</summary>
    public required long LocalMemory { get; init; }

    /// <summary>Largest work-group the device accepts.</summary>
    public required int MaxWorkGroupSize { get; init; }

    /// <summary>True for a CPU device (e.g. PoCL's pthread device), which gets the register-blocked GEMM.</summary>
    public required bool IsCpu { get; init; }

    internal nint PlatformId { get; init; }

    internal nint DeviceId { get; init; }
}
