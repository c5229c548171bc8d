using System.Diagnostics;
using System.Globalization;

namespace Engine.Benchmarks;

/// <summary>The reference refused to run or is not the BLAS the comparison is meant to race.</summary>
internal sealed class ReferenceUnavailableException(string message) : Exception(message);

/// <summary>
/// Runs Python snippets with numpy in a child process with a fixed BLAS thread count. Debian's numpy links the generic
/// libblas.so.3, which may be the netlib reference BLAS (17× slower) or OpenBLAS depending on the alternatives setting, and
/// numpy.show_config() only names "blas"; so the child reports the shared objects actually mapped and the comparison is
/// refused unless an OpenBLAS library is among them.
/// </summary>
internal static class NumpyReference
{
    private const string Python = "/usr/bin/python3";

    private const string BlasCheck = """
import numpy as _np
_x = _np.ones((64, 64), dtype=_np.float32); _x @ _x
_libs = sorted({l.split()[-1] for l in open('/proc/self/maps') if 'blas' in l.lower() and '/' in l})
print('BLAS ' + ';'.join(_libs))
""";

    /// <summary>Runs <paramref name="script"/> after the BLAS check with <paramref name="threads"/> BLAS threads; returns its stdout lines.</summary>
    public static IReadOnlyList<string> Run(string script, int threads)
    {
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(BlasCheck + script);
        string t = threads.ToString(CultureInfo.InvariantCulture);
        start.Environment["OPENBLAS_NUM_THREADS"] = t;
        start.Environment["OMP_NUM_THREADS"] = t;
        // Machine-wide overrides of the core type or cache size would make OpenBLAS pick a kernel other than its best.
        start.Environment.Remove("OPENBLAS_CORETYPE");
        start.Environment.Remove("OPENBLAS_L2_SIZE");

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new ReferenceUnavailableException($"could not start {Python}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new ReferenceUnavailableException($"could not start {Python}: {e.Message}");
        }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new ReferenceUnavailableException($"{Python} exited with {process.ExitCode}: {stderr.Result.Trim()}");
            var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            string blas = lines.FirstOrDefault(l => l.StartsWith("BLAS ", StringComparison.Ordinal))
                ?? throw new ReferenceUnavailableException("numpy did not report its BLAS libraries");
            if (!blas.Contains("openblas", StringComparison.OrdinalIgnoreCase))
                throw new ReferenceUnavailableException(
                    $"numpy is not using OpenBLAS (mapped: '{blas[5..]}'); install libopenblas0-pthread so the reference is not netlib BLAS");
            return lines.Where(l => !l.StartsWith("BLAS ", StringComparison.Ordinal)).ToArray();
        }
    }
}
