using System.Globalization;

namespace Engine.Fuzz;

/// <summary>
/// Long fuzz runs: <c>dotnet run -c Release --project Tests/Fuzz -- [target|all] [inputs] [seed]</c>
/// (defaults: all, 1 000 000, 1). Exits 1 when any input crashed or hung. CI runs a short seeded version as unit tests.
/// <c>replay TARGET SEED INDEX FILE</c> writes a reported input to FILE; <c>seeds TARGET</c> times the seed corpus.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        string which = args.Length > 0 ? args[0] : "all";
        long inputs = args.Length > 1 && which is not ("seeds" or "replay" or "time") ? long.Parse(args[1], CultureInfo.InvariantCulture) : 1_000_000;
        ulong seed = args.Length > 2 && which is not ("seeds" or "replay" or "time") ? ulong.Parse(args[2], CultureInfo.InvariantCulture) : 1;
        string corpus = Path.Combine(AppContext.BaseDirectory, "corpus");
        if (which == "replay")
        {
            // replay TARGET SEED INDEX FILE: writes the input a run reported, then feeds it once.
            byte[] input = FuzzTargets.Replay(args[1], ulong.Parse(args[2], CultureInfo.InvariantCulture), long.Parse(args[3], CultureInfo.InvariantCulture), corpus);
            File.WriteAllBytes(args[4], input);
            return 0;
        }
        if (which == "time")
        {
            // time TARGET FILE: feeds one input five times and prints the thread CPU time of each.
            FuzzTargets.TimeInput(args[1], File.ReadAllBytes(args[2]), Console.Out);
            return 0;
        }
        if (which == "seeds")
        {
            // Per-seed timings of one target, to tell a slow seed from a slow mutation.
            FuzzTargets.TimeSeeds(args[1], corpus, Console.Out);
            return 0;
        }
        bool failed = false;
        foreach (string target in which == "all" ? FuzzTargets.Names : [which])
        {
            FuzzReport r = FuzzTargets.Run(target, inputs, seed, corpus);
            Console.WriteLine($"{r.Target,-12} inputs {r.Inputs,9}  accepted {r.Accepted,9}  rejected {r.Rejected,9}  crashes {r.Crashes}  hangs {r.Hangs}  {r.Seconds,7:F1} s  slowest input {r.SlowestInputSeconds * 1000:F0} ms");
            if (r.FirstCrash is not null)
            {
                Console.WriteLine($"  first problem: {r.FirstCrash}");
                failed = true;
            }
        }
        return failed ? 1 : 0;
    }
}
