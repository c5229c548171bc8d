using System.Diagnostics;
using System.Globalization;

namespace Engine.Benchmarks;

/// <summary>
/// A long-lived <c>/usr/bin/python3</c> child running PyTorch with a fixed thread count, so that a comparison can alternate
/// Engine and PyTorch samples without paying torch's import for every sample. The child mirrors <see cref="BenchmarkNets"/>
/// (same layers, batch, SGD settings) and answers one line per request: seconds per step.
/// Threads follow anchors.md: OMP_NUM_THREADS, OPENBLAS_NUM_THREADS and torch.set_num_threads set to the count, and
/// OMP_WAIT_POLICY=PASSIVE above one thread (spinning OpenMP and OpenBLAS threads otherwise fight over the two cores).
/// The comparison is refused unless an OpenBLAS library is mapped in the child: Debian's torch falls back to the netlib
/// reference BLAS without libopenblas0-pthread and is then 17× slower.
/// </summary>
internal sealed class TorchReference : IDisposable
{
    private const string Python = "/usr/bin/python3";

    private const string Script = """
import sys, time
try:
    import torch, torch.nn as nn
except Exception as e:
    print('ERROR torch unavailable: %s' % e, flush=True); sys.exit(0)
torch.set_num_threads(int(sys.argv[1]))
_x = torch.ones(64, 64); _x @ _x
print('BLAS ' + ';'.join(sorted({l.split()[-1] for l in open('/proc/self/maps') if 'blas' in l.lower() and '/' in l})), flush=True)
torch.manual_seed(0)
def lenet(): return nn.Sequential(nn.Conv2d(1, 20, 5), nn.MaxPool2d(2, 2), nn.Conv2d(20, 50, 5), nn.MaxPool2d(2, 2), nn.Flatten(),
                                  nn.Linear(800, 500), nn.ReLU(), nn.Linear(500, 10))
def mlp784(): return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
def mlp32(): return nn.Sequential(nn.Linear(32, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 4))
models = {'lenet': (lenet, (1, 28, 28), True), 'mlp784': (mlp784, (784,), True), 'mlp32': (mlp32, (32,), False)}
steps = {}
def make(name, mode, batch):
    build, shape, softmax = models[name]
    m = build()
    x = torch.rand((batch,) + shape)
    if mode == 'train':
        y = torch.randint(0, 10, (batch,))
        opt = torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
        loss = nn.CrossEntropyLoss()
        def step():
            opt.zero_grad(set_to_none=False)
            loss(m(x), y).backward()
            opt.step()
        return step
    m.eval()
    def step():
        with torch.inference_mode():
            out = m(x)
            if softmax: torch.softmax(out, 1)
    return step
for line in sys.stdin:
    name, mode, batch, seconds, cpu = line.split()
    key = (name, mode, int(batch))
    if key not in steps: steps[key] = make(*key)
    step = steps[key]
    clock = time.process_time if cpu == '1' else time.perf_counter
    step()
    runs = 0
    t0 = clock()
    while True:
        step()
        runs += 1
        t = clock() - t0
        if t >= float(seconds): break
    print(t / runs, flush=True)
""";

    private readonly Process _process;

    /// <exception cref="ReferenceUnavailableException">Python or torch is missing, or torch does not use OpenBLAS.</exception>
    public TorchReference(int threads)
    {
        Threads = threads;
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Script);
        string t = threads.ToString(CultureInfo.InvariantCulture);
        start.ArgumentList.Add(t);
        start.Environment["OMP_NUM_THREADS"] = t;
        start.Environment["OPENBLAS_NUM_THREADS"] = t;
        if (threads > 1) start.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
        else start.Environment.Remove("OMP_WAIT_POLICY");
        start.Environment.Remove("OPENBLAS_CORETYPE");
        start.Environment.Remove("OPENBLAS_L2_SIZE");
        try
        {
            _process = Process.Start(start) ?? throw new ReferenceUnavailableException($"could not start {Python}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new ReferenceUnavailableException($"could not start {Python}: {e.Message}");
        }
        _process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 }) Console.Error.WriteLine("torch: " + e.Data); };
        _process.BeginErrorReadLine();
        string first = ReadLine();
        if (first.StartsWith("ERROR ", StringComparison.Ordinal))
        {
            Dispose();
            throw new ReferenceUnavailableException(first[6..]);
        }
        if (!first.StartsWith("BLAS ", StringComparison.Ordinal) || !first.Contains("openblas", StringComparison.OrdinalIgnoreCase))
        {
            Dispose();
            throw new ReferenceUnavailableException(
                $"torch is not using OpenBLAS (mapped: '{first}'); install libopenblas0-pthread so the reference is not netlib BLAS");
        }
    }

    public int Threads { get; }

    /// <summary>Seconds per step of model <paramref name="name"/> ("lenet", "mlp784", "mlp32") in "train" or "infer" mode.</summary>
    public double SecondsPerStep(string name, string mode, int batch, double seconds, bool cpuTime)
    {
        _process.StandardInput.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name} {mode} {batch} {seconds} {(cpuTime ? 1 : 0)}"));
        _process.StandardInput.Flush();
        return double.Parse(ReadLine(), CultureInfo.InvariantCulture);
    }

    private string ReadLine() =>
        _process.StandardOutput.ReadLine() ?? throw new ReferenceUnavailableException($"{Python} (torch) exited with {WaitExit()}");

    private int WaitExit()
    {
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void Dispose()
    {
        try
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(5000)) _process.Kill();
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }
}
