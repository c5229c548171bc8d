using System.Diagnostics;
using System.Text;
using NUnit.Framework;

namespace Engine.Tests.Distributed;

/// <summary>Starts the MPI worker (Tests/Distributed/MpiWorker) alone or under <c>mpirun</c> and collects its output.</summary>
internal sealed class MpiRun : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private MpiRun(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Everything the run printed so far (stdout and stderr interleaved).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>The worker assembly built beside this test assembly's configuration (the tests project builds it).</summary>
    public static string WorkerPath
    {
        get
        {
            // Tests/bin/<Configuration>/<tfm>/ → Tests/Distributed/MpiWorker/bin/<Configuration>/<tfm>/
            var tfm = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            string configuration = tfm.Parent!.Name;
            string tests = tfm.Parent!.Parent!.Parent!.FullName;
            return Path.Combine(tests, "Distributed", "MpiWorker", "bin", configuration, tfm.Name, "Engine.MpiWorker.dll");
        }
    }

    /// <summary>The path of <c>mpirun</c>, or null when Open MPI is not installed.</summary>
    public static string? MpirunPath =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "mpirun")).FirstOrDefault(File.Exists);

    /// <summary>Marks the test inconclusive when Open MPI is missing; fails when the worker was not built.</summary>
    public static void RequireMpi()
    {
        if (MpirunPath is null)
        {
            Assert.Inconclusive("mpirun not found; install openmpi-bin libopenmpi-dev to run the distributed tests.");
        }
        Assert.That(File.Exists(WorkerPath), Is.True, $"the MPI worker was not built: {WorkerPath}");
    }

    /// <summary>The worker under <c>mpirun -np <paramref name="ranks"/></c>.</summary>
    public static MpiRun Ranks(int ranks, params string[] workerArgs)
    {
        var start = Info(MpirunPath!);
        foreach (string a in new[] { "--allow-run-as-root", "--oversubscribe", "-np", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture), "dotnet", WorkerPath })
        {
            start.ArgumentList.Add(a);
        }
        foreach (string a in workerArgs)
        {
            start.ArgumentList.Add(a);
        }
        return new MpiRun(new Process { StartInfo = start });
    }

    /// <summary>The worker as one plain process (no MPI).</summary>
    public static MpiRun Single(params string[] workerArgs)
    {
        var start = Info("dotnet");
        start.ArgumentList.Add(WorkerPath);
        foreach (string a in workerArgs)
        {
            start.ArgumentList.Add(a);
        }
        return new MpiRun(new Process { StartInfo = start });
    }

    private static ProcessStartInfo Info(string file)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // Containers often forbid the cross-memory-attach shared-memory transport; plain copies work everywhere.
        start.Environment["OMPI_MCA_btl_vader_single_copy_mechanism"] = "none";
        start.Environment["ENGINE_THREADS"] = "1";
        foreach (string key in start.Environment.Keys.Where(k => k.StartsWith("OMPI_COMM_WORLD", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }
        return start;
    }

    /// <summary>Waits for exit; false when <paramref name="timeout"/> passed first.</summary>
    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            return false;
        }
        _process.WaitForExit();
        return true;
    }

    /// <summary>Waits until the output contains <paramref name="text"/>; false on timeout or exit.</summary>
    public bool WaitForOutput(string text, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (Output.Contains(text, StringComparison.Ordinal))
            {
                return true;
            }
            if (_process.HasExited)
            {
                return false;
            }
            Thread.Sleep(50);
        }
        return false;
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process.Dispose();
    }
}
