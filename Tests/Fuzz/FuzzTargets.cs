using System.Diagnostics;
using System.Text;
using Engine.Data;
using Engine.Timing;
using Engine.Formats;

namespace Engine.Fuzz;

/// <summary>Outcome counts of one fuzz run.</summary>
internal sealed record FuzzReport(string Target, long Inputs, long Accepted, long Rejected, long Crashes, long Hangs, double Seconds, double SlowestInputSeconds, string? FirstCrash);

/// <summary>
/// Fuzz targets: each feeds mutated inputs to a reader and checks the contract — an input either parses or raises
/// Engine's own format exception (with a position for text); never another exception type, and never more than a
/// second of CPU time for one input (thread CPU time, see <see cref="ThreadCpuClock"/>).
/// </summary>
internal static class FuzzTargets
{
    public static readonly string[] Names = ["prototxt", "solver", "caffemodel", "solverstate", "idx", "npy", "check"];

    public static FuzzReport Run(string target, long inputs, ulong seed, string corpusDirectory)
    {
        List<byte[]> corpus = FuzzCorpus.For(target, corpusDirectory);
        var mutator = new Mutator(seed);
        var pick = new EngineRandom(seed + 1);
        long accepted = 0, rejected = 0, crashes = 0, hangs = 0;
        double slowest = 0;
        string? firstCrash = null;
        foreach (byte[] valid in corpus)
        {
            // Warm-up on valid inputs, so JIT compilation is not mistaken for a hang.
            try
            {
                Feed(target, valid);
            }
            catch (Exception e) when (e is FormatException or DataSourceException)
            {
            }
        }
        var clock = Stopwatch.StartNew();
        for (long i = 0; i < inputs; i++)
        {
            byte[] input = mutator.Mutate(corpus[pick.NextInt(corpus.Count)], corpus[pick.NextInt(corpus.Count)], IsText(target));
            double start = ThreadCpuClock.Seconds();
            try
            {
                Feed(target, input);
                accepted++;
            }
            catch (Exception e) when (e is FormatException or DataSourceException)
            {
                // PrototxtException, NetDefinitionException and WeightsFormatException derive from FormatException;
                // the IDX and NPY readers raise DataSourceException.
                rejected++;
            }
            catch (Exception e)
            {
                crashes++;
                firstCrash ??= $"input {i} (seed {seed}): {e.GetType().Name}: {e.Message}";
            }
            double spent = ThreadCpuClock.Seconds() - start;
            if (spent > 1)
            {
                // A real hang is a property of the input and repeats; on a crowded machine a one-off spike (GC
                // suspension spinning while other processes hold the cores) does not. Keep the fastest of two reruns.
                spent = Math.Min(spent, Math.Min(TimeOnce(target, input), TimeOnce(target, input)));
            }
            slowest = Math.Max(slowest, spent);
            if (spent > 1)
            {
                hangs++;
                firstCrash ??= $"input {i} (seed {seed}) took {spent:F2} s {(ThreadCpuClock.IsCpuTime ? "of CPU time" : "(wall clock)")}";
            }
        }
        return new FuzzReport(target, inputs, accepted, rejected, crashes, hangs, clock.Elapsed.TotalSeconds, slowest, firstCrash);
    }

    private static double TimeOnce(string target, byte[] input)
    {
        double start = ThreadCpuClock.Seconds();
        try
        {
            Feed(target, input);
        }
        catch (Exception)
        {
            // Only the time matters here; the first run of this input already counted its outcome.
        }
        return ThreadCpuClock.Seconds() - start;
    }

    /// <summary>Input number <paramref name="index"/> of the run with <paramref name="seed"/>, regenerated to reproduce a failure.</summary>
    public static byte[] Replay(string target, ulong seed, long index, string corpusDirectory)
    {
        List<byte[]> corpus = FuzzCorpus.For(target, corpusDirectory);
        var mutator = new Mutator(seed);
        var pick = new EngineRandom(seed + 1);
        for (long i = 0; ; i++)
        {
            byte[] input = mutator.Mutate(corpus[pick.NextInt(corpus.Count)], corpus[pick.NextInt(corpus.Count)], IsText(target));
            if (i == index)
            {
                return input;
            }
        }
    }

    public static void TimeInput(string target, byte[] input, TextWriter output)
    {
        for (int round = 0; round < 5; round++)
        {
            double start = ThreadCpuClock.Seconds();
            long wall = Stopwatch.GetTimestamp();
            string outcome = "accepted";
            try
            {
                Feed(target, input);
            }
            catch (Exception e)
            {
                outcome = $"{e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}";
            }
            output.WriteLine($"round {round}: {(ThreadCpuClock.Seconds() - start) * 1000:F1} ms CPU, {Stopwatch.GetElapsedTime(wall).TotalMilliseconds:F1} ms wall, {outcome}");
        }
    }

    public static void TimeSeeds(string target, string corpusDirectory, TextWriter output)
    {
        List<byte[]> corpus = FuzzCorpus.For(target, corpusDirectory);
        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < corpus.Count; i++)
            {
                long start = Stopwatch.GetTimestamp();
                string outcome = "accepted";
                try
                {
                    Feed(target, corpus[i]);
                }
                catch (Exception e)
                {
                    outcome = $"{e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}";
                }
                output.WriteLine($"round {round} seed {i} ({corpus[i].Length} B): {Stopwatch.GetElapsedTime(start).TotalMilliseconds:F1} ms, {outcome}");
            }
        }
    }

    private static bool IsText(string target) => target is "prototxt" or "solver" or "check";

    private static void Feed(string target, byte[] input)
    {
        switch (target)
        {
            case "prototxt":
                NetDefinitions.ParseNet(Encoding.UTF8.GetString(input), "fuzz.prototxt");
                break;
            case "solver":
                NetDefinitions.ParseSolver(Encoding.UTF8.GetString(input), "fuzz_solver.prototxt");
                break;
            case "caffemodel":
                WeightsFile.ParseNet(input, "fuzz.caffemodel");
                break;
            case "solverstate":
                WeightsFile.ParseSolverState(input, "fuzz.solverstate");
                break;
            case "idx":
                IdxFile.Parse(input, "fuzz-idx3-ubyte");
                break;
            case "npy":
                NpyFile.Parse(input, "fuzz.npy");
                break;
            case "check":
                CheckTarget.Feed(Encoding.UTF8.GetString(input));
                break;
            default:
                throw new ArgumentException($"unknown fuzz target '{target}'; known: {string.Join(", ", Names)}");
        }
    }
}
