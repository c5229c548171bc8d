using System.Runtime.InteropServices;

namespace Engine.Distributed.Mpi;

/// <summary>
/// A thin binding over Open MPI's <c>libmpi.so.40</c>, loaded on first use so that the rest of the runtime works on
/// machines without MPI. Open MPI's handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, ...) are the addresses of global
/// objects in the library, so they are looked up as exports rather than compiled-in constants.
/// </summary>
internal sealed unsafe class MpiLibrary
{
    private const int RtldNow = 2;
    private const int RtldGlobal = 0x100;
    private static readonly Lock Gate = new();
    private static MpiLibrary? _instance;
    private static string? _loadError;

    private readonly nint _handle;

    private MpiLibrary(nint handle)
    {
        _handle = handle;
        Initialized = (delegate* unmanaged<int*, int>)Export("MPI_Initialized");
        Finalized = (delegate* unmanaged<int*, int>)Export("MPI_Finalized");
        InitThread = (delegate* unmanaged<int*, nint*, int, int*, int>)Export("MPI_Init_thread");
        Finalize = (delegate* unmanaged<int>)Export("MPI_Finalize");
        CommRank = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_rank");
        CommSize = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_size");
        CommSetErrhandler = (delegate* unmanaged<nint, nint, int>)Export("MPI_Comm_set_errhandler");
        Iallreduce = (delegate* unmanaged<void*, void*, int, nint, nint, nint, nint*, int>)Export("MPI_Iallreduce");
        Ibcast = (delegate* unmanaged<void*, int, nint, int, nint, nint*, int>)Export("MPI_Ibcast");
        Test = (delegate* unmanaged<nint*, int*, nint, int>)Export("MPI_Test");
        Abort = (delegate* unmanaged<nint, int, int>)Export("MPI_Abort");
        ErrorString = (delegate* unmanaged<int, byte*, int*, int>)Export("MPI_Error_string");
        CommWorld = Export("ompi_mpi_comm_world");
        Float = Export("ompi_mpi_float");
        Byte = Export("ompi_mpi_byte");
        Sum = Export("ompi_mpi_op_sum");
        ErrorsReturn = Export("ompi_mpi_errors_return");
    }

    /// <summary>The file name the binding loads (Open MPI 3.x–5.x keep this soname).</summary>
    public const string FileName = "libmpi.so.40";

    /// <summary>Open MPI's MPI_IN_PLACE sentinel.</summary>
    public static readonly nint InPlace = 1;

    /// <summary>Open MPI's MPI_STATUS_IGNORE.</summary>
    public static readonly nint StatusIgnore = 0;

    public delegate* unmanaged<int*, int> Initialized { get; }
    public delegate* unmanaged<int*, int> Finalized { get; }
    public delegate* unmanaged<int*, nint*, int, int*, int> InitThread { get; }
    public delegate* unmanaged<int> Finalize { get; }
    public delegate* unmanaged<nint, int*, int> CommRank { get; }
    public delegate* unmanaged<nint, int*, int> CommSize { get; }
    public delegate* unmanaged<nint, nint, int> CommSetErrhandler { get; }
    public delegate* unmanaged<void*, void*, int, nint, nint, nint, nint*, int> Iallreduce { get; }
    public delegate* unmanaged<void*, int, nint, int, nint, nint*, int> Ibcast { get; }
    public delegate* unmanaged<nint*, int*, nint, int> Test { get; }
    public delegate* unmanaged<nint, int, int> Abort { get; }
    public delegate* unmanaged<int, byte*, int*, int> ErrorString { get; }
    public nint CommWorld { get; }
    public nint Float { get; }
    public nint Byte { get; }
    public nint Sum { get; }
    public nint ErrorsReturn { get; }

    /// <summary>True when <see cref="FileName"/> can be loaded (MPI is installed).</summary>
    public static bool IsAvailable => TryGet(out _, out _);

    /// <summary>The loaded library.</summary>
    /// <exception cref="DistributedException">MPI is not installed; the message says what to install.</exception>
    public static MpiLibrary Get() =>
        TryGet(out MpiLibrary? library, out string? error) ? library : throw new DistributedException(error);

    private static bool TryGet([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out MpiLibrary? library, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        lock (Gate)
        {
            if (_instance is null && _loadError is null)
            {
                // Open MPI opens its transport plugins with dlopen and they resolve symbols from libmpi itself, which
                // only works when libmpi is in the global namespace; NativeLibrary.Load uses RTLD_LOCAL.
                nint handle = DlOpen(FileName, RtldNow | RtldGlobal);
                if (handle == 0)
                {
                    _loadError = $"MPI is not available: {FileName} could not be loaded ({DlErrorText()}). " +
                                 "Install Open MPI (apt-get install openmpi-bin libopenmpi-dev) to train on several processes.";
                }
                else
                {
                    try
                    {
                        _instance = new MpiLibrary(handle);
                    }
                    catch (EntryPointNotFoundException e)
                    {
                        _loadError = $"{FileName} is not Open MPI (or too old): {e.Message}";
                    }
                }
            }
            library = _instance;
            error = _loadError;
            return library is not null;
        }
    }

    private nint Export(string name) => NativeLibrary.GetExport(_handle, name);

    /// <summary>MPI's text for an error code.</summary>
    public string Describe(int code)
    {
        byte* text = stackalloc byte[256];
        int length = 0;
        return ErrorString(code, text, &length) == 0 ? Marshal.PtrToStringUTF8((nint)text, length) : $"MPI error {code}";
    }

    private static nint DlOpen(string file, int flags)
    {
        try
        {
            return dlopen(file, flags);
        }
        catch (DllNotFoundException)
        {
            return dlopenLegacy(file, flags);
        }
    }

    private static string DlErrorText()
    {
        nint text;
        try
        {
            text = dlerror();
        }
        catch (DllNotFoundException)
        {
            text = dlerrorLegacy();
        }
        return text == 0 ? "unknown error" : Marshal.PtrToStringUTF8(text) ?? "unknown error";
    }

    [DllImport("libc.so.6", EntryPoint = "dlopen")]
    private static extern nint dlopen([MarshalAs(UnmanagedType.LPUTF8Str)] string file, int flags);

    [DllImport("libc.so.6", EntryPoint = "dlerror")]
    private static extern nint dlerror();

    [DllImport("libdl.so.2", EntryPoint = "dlopen")]
    private static extern nint dlopenLegacy([MarshalAs(UnmanagedType.LPUTF8Str)] string file, int flags);

    [DllImport("libdl.so.2", EntryPoint = "dlerror")]
    private static extern nint dlerrorLegacy();
}
