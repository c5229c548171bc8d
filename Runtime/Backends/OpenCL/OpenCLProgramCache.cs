using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace Engine.Backends.OpenCL;

/// <summary>
/// Builds each embedded <c>.cl</c> file once per device per process and keeps the compiled binary on disk
/// (<c>~/.cache/engine/opencl/&lt;sha256 of device, driver, options and source&gt;.bin</c>, or <c>ENGINE_OPENCL_CACHE</c>),
/// so a second process loads instead of recompiling. A build failure throws with the file name and the build log.
/// </summary>
public sealed unsafe class OpenCLProgramCache
{
    private const string BuildOptions = "-cl-mad-enable";

    private readonly OpenCLBackend _backend;
    private readonly Dictionary<(Assembly, string), nint> _programs = [];
    private readonly Dictionary<(Assembly, string, string), OpenCLKernel> _kernels = [];
    private readonly Lock _lock = new();

    internal OpenCLProgramCache(OpenCLBackend backend, string? directory = null)
    {
        _backend = backend;
        Directory = directory ?? (Environment.GetEnvironmentVariable("ENGINE_OPENCL_CACHE") is { Length: > 0 } dir
            ? dir
            : Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "engine", "opencl"));
    }

    /// <summary>Where binaries are cached.</summary>
    public string Directory { get; }

    /// <summary>Programs compiled from source in this process.</summary>
    public int CompiledFromSource { get; private set; }

    /// <summary>Programs loaded from a cached binary in this process.</summary>
    public int LoadedFromDisk { get; private set; }

    /// <summary>The kernel <paramref name="kernelName"/> of the <c>.cl</c> file <paramref name="fileName"/> embedded in <paramref name="assembly"/>.</summary>
    public OpenCLKernel Kernel(Assembly assembly, string fileName, string kernelName)
    {
        lock (_lock)
        {
            if (_kernels.TryGetValue((assembly, fileName, kernelName), out OpenCLKernel? kernel))
            {
                return kernel;
            }
            nint program = Program(assembly, fileName);
            int error;
            byte[] name = Encoding.ASCII.GetBytes(kernelName + "\0");
            nint handle;
            fixed (byte* n = name)
            {
                handle = ClNative.clCreateKernel(program, n, &error);
            }
            ClNative.Check(error, "clCreateKernel", $"kernel '{kernelName}' in {fileName}");
            kernel = new OpenCLKernel(handle, _backend.Queue, kernelName, fileName);
            _kernels[(assembly, fileName, kernelName)] = kernel;
            return kernel;
        }
    }

    private nint Program(Assembly assembly, string fileName)
    {
        if (_programs.TryGetValue((assembly, fileName), out nint program))
        {
            return program;
        }
        string source = ReadSource(assembly, fileName);
        string path = Path.Combine(Directory, Key(source) + ".bin");
        program = TryLoadBinary(path, fileName);
        if (program != 0)
        {
            LoadedFromDisk++;
        }
        else
        {
            program = CompileSource(source, fileName);
            CompiledFromSource++;
            TrySaveBinary(program, path);
        }
        _programs[(assembly, fileName)] = program;
        return program;
    }

    internal static string ReadSource(Assembly assembly, string fileName)
    {
        string suffix = "." + fileName;
        string? resource = assembly.GetManifestResourceNames().FirstOrDefault(n => n.EndsWith(suffix, StringComparison.Ordinal) || n == fileName)
            ?? throw new OpenCLException($"OpenCL source '{fileName}' is not embedded in {assembly.GetName().Name} (add it as an EmbeddedResource).");
        using Stream stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private string Key(string source)
    {
        OpenCLDeviceInfo d = _backend.Device;
        string identity = string.Join('\n', d.Platform, d.PlatformVersion, d.Name, d.Vendor, d.Version, d.DriverVersion, BuildOptions, source);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)));
    }

    /// <summary>Builds a program from source with this cache's options, bypassing the cache (tests use it for failures).</summary>
    internal nint CompileSource(string source, string fileName)
    {
        byte[] text = Encoding.UTF8.GetBytes(source);
        int error;
        nint program;
        fixed (byte* t = text)
        {
            byte* strings = t;
            nuint length = (nuint)text.Length;
            program = ClNative.clCreateProgramWithSource(_backend.Context, 1, &strings, &length, &error);
        }
        ClNative.Check(error, "clCreateProgramWithSource", fileName);
        Build(program, fileName);
        return program;
    }

    private void Build(nint program, string fileName)
    {
        nint device = _backend.Device.DeviceId;
        byte[] options = Encoding.ASCII.GetBytes(BuildOptions + "\0");
        int status;
        fixed (byte* o = options)
        {
            status = ClNative.clBuildProgram(program, 1, &device, o, 0, 0);
        }
        if (status != ClNative.Success)
        {
            string log = BuildLog(program, device);
            ClNative.clReleaseProgram(program);
            throw new OpenCLException(status, "clBuildProgram", $"{fileName} failed to build on {_backend.Device.Name}. Build log:\n{log}");
        }
    }

    private static string BuildLog(nint program, nint device)
    {
        nuint size;
        if (ClNative.clGetProgramBuildInfo(program, device, ClNative.ProgramBuildLog, 0, null, &size) != ClNative.Success || size == 0)
        {
            return "(no build log)";
        }
        var bytes = new byte[(int)size];
        fixed (byte* b = bytes)
        {
            ClNative.clGetProgramBuildInfo(program, device, ClNative.ProgramBuildLog, size, b, null);
        }
        return Encoding.UTF8.GetString(bytes).TrimEnd('\0');
    }

    private nint TryLoadBinary(string path, string fileName)
    {
        byte[] binary;
        try
        {
            if (!File.Exists(path))
            {
                return 0;
            }
            binary = File.ReadAllBytes(path);
        }
        catch (IOException)
        {
            return 0;
        }
        catch (UnauthorizedAccessException)
        {
            return 0;
        }
        nint device = _backend.Device.DeviceId;
        int error, binaryStatus;
        nint program;
        fixed (byte* b = binary)
        {
            byte* binaries = b;
            nuint length = (nuint)binary.Length;
            program = ClNative.clCreateProgramWithBinary(_backend.Context, 1, &device, &length, &binaries, &binaryStatus, &error);
        }
        if (error != ClNative.Success || binaryStatus != ClNative.Success)
        {
            // A stale or corrupt cache entry is not fatal: compile from source and overwrite it.
            if (program != 0)
            {
                ClNative.clReleaseProgram(program);
            }
            return 0;
        }
        try
        {
            Build(program, fileName);
        }
        catch (OpenCLException)
        {
            return 0;
        }
        return program;
    }

    private void TrySaveBinary(nint program, string path)
    {
        nuint size;
        if (ClNative.clGetProgramInfo(program, ClNative.ProgramBinarySizes, (nuint)sizeof(nuint), &size, null) != ClNative.Success || size == 0)
        {
            return;
        }
        var binary = new byte[(int)size];
        fixed (byte* b = binary)
        {
            byte* pointer = b;
            if (ClNative.clGetProgramInfo(program, ClNative.ProgramBinaries, (nuint)sizeof(nint), &pointer, null) != ClNative.Success)
            {
                return;
            }
        }
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            // Write then rename, so a concurrent process never loads half a binary.
            string temp = path + "." + Environment.ProcessId + ".tmp";
            File.WriteAllBytes(temp, binary);
            File.Move(temp, path, overwrite: true);
        }
        catch (IOException)
        {
            // The cache is an optimisation; a read-only home must not break training.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
