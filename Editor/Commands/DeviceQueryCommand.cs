using Engine.Backends.OpenCL;

namespace Engine.Editor.Commands;

/// <summary><c>engine device_query</c>: lists the compute devices (the CPU backend and every OpenCL device).</summary>
internal sealed class DeviceQueryCommand : ICliCommand, IDeclaresOptions
{
    public string Name => "device_query";

    public string Summary => "List compute devices: the CPU backend and each OpenCL device (name, vendor, version, memory).";

    public string Usage => "Usage: engine device_query\n\nPrints every device usable as ENGINE_DEVICE (cpu, opencl:N).\n\nExample:\n  engine device_query";

    public void Declare(System.CommandLine.Command command)
    {
        // No options: the parser itself rejects any argument.
        _ = command;
    }

    public int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length > 0)
        {
            stderr.WriteLine($"error: device_query takes no arguments, got '{args[0]}'.");
            return 1;
        }
        stdout.WriteLine($"cpu          managed CPU backend, {Environment.ProcessorCount} logical cores");
        if (OpenCLPlatform.Availability is { } problem)
        {
            stdout.WriteLine($"opencl       unavailable: {problem}");
            return 0;
        }
        foreach (OpenCLDeviceInfo d in OpenCLPlatform.Devices)
        {
            stdout.WriteLine($"opencl:{d.Index}");
            stdout.WriteLine($"  name                {d.Name}");
            stdout.WriteLine($"  vendor              {d.Vendor}");
            stdout.WriteLine($"  platform            {d.Platform} ({d.PlatformVersion})");
            stdout.WriteLine($"  version             {d.Version}");
            stdout.WriteLine($"  driver              {d.DriverVersion}");
            stdout.WriteLine($"  compute units       {d.ComputeUnits}");
            stdout.WriteLine($"  global memory       {d.GlobalMemory / (1024.0 * 1024.0):F0} MiB");
            stdout.WriteLine($"  local memory        {d.LocalMemory / 1024.0:F0} KiB");
            stdout.WriteLine($"  max work-group size {d.MaxWorkGroupSize}");
        }
        return 0;
    }
}
