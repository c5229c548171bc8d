using System.Diagnostics;
using System.Globalization;
using Engine.Backends.Cpu;
using Engine.Formats;
using Engine.Proto;
using Microsoft.Extensions.DependencyInjection;

namespace Engine.Editor.Commands;

/// <summary><c>engine time</c>: average forward, backward and per-layer times of a net, like <c>caffe time</c>.</summary>
internal sealed class TimeCommand : ICliCommand, IDeclaresOptions
{
    public string Name => "time";

    public string Summary => "Time a net's forward and backward passes, layer by layer.";

    public string Usage => """
        Usage: engine time NET.prototxt [--iterations N] [--threads N] [--phase train|test] [--forward-only]

        Runs one warm-up pass, then N (default 50) forward and backward passes, and prints the average time of each
        layer and of the whole passes. Inputs hold zeros (valid labels), so any net with Input layers can be timed.

        Example:
          engine time Samples/FashionLenet/lenet_train_test.prototxt --iterations 20 --threads 1
        """;

    public void Declare(System.CommandLine.Command command)
    {
        command.Positional("NET", "the net definition", 0, 100).Value("iterations", "timed iterations").Value("threads", "CPU worker threads")
            .Value("phase", "train or test").Flag("forward-only", "time forward passes only");
    }

    public int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var cl = new CommandLine(args, "forward-only");
        if (cl.Positional.Count != 1)
        {
            throw new CliError("expects one net definition file; see engine time --help");
        }
        int iterations = cl.GetInt("iterations", 50);
        if (iterations < 1)
        {
            throw new CliError("--iterations must be at least 1");
        }
        int threads = cl.GetInt("threads", WorkerPool.Shared.ThreadCount);
        Phase phase = cl.Get("phase", "train")!.ToLowerInvariant() switch
        {
            "train" => Phase.Train,
            "test" => Phase.Test,
            string other => throw new CliError($"--phase must be train or test, got '{other}'"),
        };
        bool forwardOnly = cl.Has("forward-only");

        NetParameter definition = NetDefinitions.LoadNet(cl.Positional[0]);
        using var pool = new WorkerPool(threads);
        using var net = new Net(definition, EngineServices.CreateDefaultRegistry(), new NetOptions { Phase = phase, Backend = new CpuBackend(pool) });
        int n = net.Layers.Count;
        var forward = new double[n];
        var backward = new double[n];
        net.ForwardBackward(); // warm-up: first-touch allocation, JIT
        double totalForward = 0, totalBackward = 0;
        for (int it = 0; it < iterations; it++)
        {
            long passStart = Stopwatch.GetTimestamp();
            for (int i = 0; i < n; i++)
            {
                long t = Stopwatch.GetTimestamp();
                net.ForwardFromTo(i, i);
                forward[i] += Stopwatch.GetElapsedTime(t).TotalMilliseconds;
            }
            totalForward += Stopwatch.GetElapsedTime(passStart).TotalMilliseconds;
            if (forwardOnly)
            {
                continue;
            }
            passStart = Stopwatch.GetTimestamp();
            for (int i = n - 1; i >= 0; i--)
            {
                long t = Stopwatch.GetTimestamp();
                net.BackwardFromTo(i, i);
                backward[i] += Stopwatch.GetElapsedTime(t).TotalMilliseconds;
            }
            totalBackward += Stopwatch.GetElapsedTime(passStart).TotalMilliseconds;
        }

        CultureInfo c = CultureInfo.InvariantCulture;
        stdout.WriteLine($"Net '{net.Name}', phase {phase}, {threads} thread(s), {iterations} iteration(s)");
        stdout.WriteLine("Average time per layer:");
        int width = Math.Max(12, net.Layers.Max(l => l.Name.Length) + 2);
        for (int i = 0; i < n; i++)
        {
            string name = net.Layers[i].Name.PadLeft(width);
            stdout.WriteLine(string.Format(c, "{0}\tforward: {1,10:F4} ms.", name, forward[i] / iterations));
            if (!forwardOnly)
            {
                stdout.WriteLine(string.Format(c, "{0}\tbackward: {1,9:F4} ms.", name, backward[i] / iterations));
            }
        }
        stdout.WriteLine(string.Format(c, "Average Forward pass: {0:F4} ms.", totalForward / iterations));
        if (!forwardOnly)
        {
            stdout.WriteLine(string.Format(c, "Average Backward pass: {0:F4} ms.", totalBackward / iterations));
            stdout.WriteLine(string.Format(c, "Average Forward-Backward: {0:F4} ms.", (totalForward + totalBackward) / iterations));
        }
        return 0;
    }
}
