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

    /// <summary>
    /// The backends a comma list names, one per data-parallel replica: <c>opencl:0,1</c> (a bare index continues the
    /// previous <c>opencl:</c>), <c>cpu,cpu</c>, <c>opencl:0,0</c>. A device named twice gets a second, separate
    /// backend (its own context, queue and CPU thread pool), because replicas run concurrently and a backend's kernels
    /// and scratch buffers serve one thread at a time.
    /// </summary>
    /// <exception cref="ArgumentException">An item is not a device name.</exception>
    /// <exception cref="OpenCLException">A named OpenCL device is unavailable.</exception>
    public static IReadOnlyList<Backend> ParseList(string names, string source = "device")
    {
        ArgumentNullException.ThrowIfNull(names);
        string[] items = names.Split(',', StringSplitOptions.TrimEntries);
        var backends = new List<Backend>(items.Length);
        var seen = new HashSet<string>();
        string? previous = null;
        foreach (string item in items)
        {
            string text = item.ToLowerInvariant();
            if (text.Length > 0 && text.All(char.IsAsciiDigit) && previous is not null && previous.StartsWith("opencl", StringComparison.Ordinal))
            {
                text = "opencl:" + text;
            }
            if (text.Length == 0)
            {
                throw new ArgumentException($"{source}: '{names}' has an empty item; use e.g. opencl:0,1 or cpu,cpu.", nameof(names));
            }
            Backend backend = Parse(text, source);
            if (!seen.Add(backend.Name))
            {
                backend = backend is OpenCLBackend cl ? OpenCLBackend.OpenSeparate(cl.Device.Index) : new Cpu.CpuBackend(new Cpu.WorkerPool(1));
            }
            backends.Add(backend);
            previous = text;
        }
        return backends;
    }
}
