using System.Reflection;
using System.Runtime.InteropServices;
using LightningDB;

namespace Engine.Data;

/// <summary>
/// Points LightningDB's <c>lmdb</c> imports at the system LMDB 0.9 library on Linux. The package's own linux-x64 build is
/// LMDB 1.0, which needs glibc 2.38 (newer than Debian 12's) and uses a file format Caffe's LMDB 0.9 databases do not have.
/// </summary>
internal static class LmdbNativeLibrary
{
    /// <summary>Debian's liblmdb0 package installs this soname.</summary>
    internal const string SystemLibrary = "liblmdb.so.0";

    private static readonly Lock Gate = new();
    private static bool _installed;

    /// <summary>Installs the import resolver once per process; call before the first LightningDB call.</summary>
    internal static void EnsureResolver()
    {
        lock (Gate)
        {
            if (_installed)
            {
                return;
            }
            try
            {
                NativeLibrary.SetDllImportResolver(typeof(LightningEnvironment).Assembly, Resolve);
            }
            catch (InvalidOperationException)
            {
                // The host application installed its own resolver; respect it.
            }
            _installed = true;
        }
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name == "lmdb" && OperatingSystem.IsLinux() && NativeLibrary.TryLoad(SystemLibrary, out IntPtr handle))
        {
            return handle;
        }
        return IntPtr.Zero;
    }
}
