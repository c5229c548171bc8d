using System.Diagnostics;
using System.Text;
using Engine.Fillers;
using Engine.Formats;
using Engine.Proto;

namespace Engine.Fuzz;

/// <summary>Outcome counts of one fuzz run.</summary>
internal sealed record FuzzReport(string Target, long Inputs, long Accepted, long Rejected, long Crashes, long Hangs, double Seconds, string? FirstCrash);

/// <summary>
/// Fuzz targets: each feeds mutated inputs to a reader and checks the contract — an input either parses or raises
/// Engine's own format exception (with a position for text); never another exception type, and never more than a
/// second for one input.
/// </summary>
internal static class FuzzTargets
{
    public static readonly string[] Names = ["prototxt", "solver", "caffemodel", "solverstate"];

    public static FuzzReport Run(string target, long inputs, ulong seed, string corpusDirectory)
    {
        List<byte[]> corpus = Corpus(target, corpusDirectory);
        var mutator = new Mutator(seed);
        var pick = new EngineRandom(seed + 1);
        long accepted = 0, rejected = 0, crashes = 0, hangs = 0;
        string? firstCrash = null;
        foreach (byte[] valid in corpus)
        {
            // Warm-up on valid inputs, so JIT compilation is not mistaken for a hang.
            try
            {
                Feed(target, valid);
            }
            catch (FormatException)
            {
            }
        }
        var clock = Stopwatch.StartNew();
        for (long i = 0; i < inputs; i++)
        {
            byte[] input = mutator.Mutate(corpus[pick.NextInt(corpus.Count)], corpus[pick.NextInt(corpus.Count)], IsText(target));
            long start = Stopwatch.GetTimestamp();
            try
            {
                Feed(target, input);
                accepted++;
            }
            catch (FormatException)
            {
                // PrototxtException, NetDefinitionException and WeightsFormatException all derive from FormatException.
                rejected++;
            }
            catch (Exception e)
            {
                crashes++;
                firstCrash ??= $"input {i} (seed {seed}): {e.GetType().Name}: {e.Message}";
            }
            if (Stopwatch.GetElapsedTime(start).TotalSeconds > 1)
            {
                hangs++;
                firstCrash ??= $"input {i} (seed {seed}) took over 1 s";
            }
        }
        return new FuzzReport(target, inputs, accepted, rejected, crashes, hangs, clock.Elapsed.TotalSeconds, firstCrash);
    }

    private static bool IsText(string target) => target is "prototxt" or "solver";

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
            default:
                throw new ArgumentException($"unknown fuzz target '{target}'; known: {string.Join(", ", Names)}");
        }
    }

    private static List<byte[]> Corpus(string target, string directory)
    {
        switch (target)
        {
            case "prototxt":
                return Directory.GetFiles(directory, "*.prototxt").Where(f => !Path.GetFileName(f).Contains("solver", StringComparison.Ordinal)).Select(File.ReadAllBytes).ToList();
            case "solver":
                return Directory.GetFiles(directory, "*solver*.prototxt").Select(File.ReadAllBytes)
                    .Append(Encoding.UTF8.GetBytes("net: \"x.prototxt\"\ntest_iter: 100\ntest_interval: 500\nbase_lr: 0.01\nmomentum: 0.9\nlr_policy: \"step\"\ngamma: 0.1\nstepsize: 100\nsolver_type: NESTEROV\nmax_iter: 1000\n"))
                    .ToList();
            case "caffemodel":
            {
                // A small trained-looking model in current and legacy blob layouts, with float and double data.
                NetParameter net = new NetBuilder("m").Input("data", 1, 4).InnerProduct("ip", "data", 3, Filler.Gaussian(1)).Build();
                var layer = net.Layer[1].Clone();
                layer.Blobs.Add(BlobProtoExtensions.Create([3, 4], Enumerable.Range(0, 12).Select(i => (float)i).ToArray()));
                var legacy = new BlobProto { Num = 1, Channels = 1, Height = 1, Width = 3 };
                legacy.DoubleData.AddRange([1.0, 2.0, 3.0]);
                layer.Blobs.Add(legacy);
                net.Layer[1] = layer;
                var v1 = new NetParameter { Name = "v1" };
                v1.Layers.Add(new V1LayerParameter { Name = "conv", Type = V1LayerParameter.Types.LayerType.Convolution, Bottom = { "data" }, Top = { "conv" } });
                return [Google.Protobuf.MessageExtensions.ToByteArray(net), Google.Protobuf.MessageExtensions.ToByteArray(v1)];
            }
            case "solverstate":
            {
                var state = new SolverState { Iter = 100, LearnedNet = "x.caffemodel", CurrentStep = 1 };
                state.History.Add(BlobProtoExtensions.Create([2, 2], [1f, 2f, 3f, 4f]));
                return [Google.Protobuf.MessageExtensions.ToByteArray(state)];
            }
            default:
                throw new ArgumentException($"unknown fuzz target '{target}'; known: {string.Join(", ", Names)}");
        }
    }
}
