namespace Engine.Backends.OpenCL;

/// <summary>Turns a device name (<c>cpu</c>, <c>opencl</c>, <c>opencl:N</c>) or the <c>ENGINE_DEVICE</c> variable into a backend.</summary>
public static class BackendSelection
{
    /// <summary>The environment variable that picks the default backend.</summary>
    public const string Variable = "ENGINE_DEVICE";

    /// <summary>The backend named by <c>ENGINE_DEVICE</c>, or the CPU when it is unset.</summary>
    /// <exception cref="ArgumentException">The value is not a device name.</exception>
    /// <exception cref="OpenCLException">The named OpenCL device is unavailable.</exception>
    public static Backend FromEnvironment()
    {
        string? value = Environment.GetEnvironmentVariable(Variable);
        return string.IsNullOrWhiteSpace(value) ? Backend.Cpu : Parse(value, Variable);
    }

    /// <summary>The backend a device name denotes.</summary>
    /// <exception cref="ArgumentException">The value is not a device name.</exception>
    /// <exception cref="OpenCLException">The named OpenCL device is unavailable.</exception>
    public static Backend Parse(string name, string source = "device")
    {
        string text = name.Trim().ToLowerInvariant();
        if (text == "cpu")
        {
            return Backend.Cpu;
        }
        if (text == "opencl")
        {
            return OpenCLBackend.Open(0);
        }
        if (text.StartsWith("opencl:", StringComparison.Ordinal)
            && int.TryParse(text.AsSpan(7), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index))
        {
            return OpenCLBackend.Open(index);
        }
        throw new ArgumentException($"{source}: '{name}' is not a device; use cpu, opencl or opencl:N (see `engine device_query`).", nameof(name));
    }
}
