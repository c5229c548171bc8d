using System.Globalization;

namespace Engine.Samples.Simulation;

/// <summary>
/// Foragers: hundreds of agents each pick a heading from a small net every frame; the net learns inside the running
/// simulation by imitating a scripted expert. Usage:
/// <c>dotnet run --project Samples/Simulation -c Release -- --frames 2000 --agents 1000 --seed 1 --out out/</c>
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        SimulationOptions options = new();
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--frames": options = options with { Frames = int.Parse(Value(), CultureInfo.InvariantCulture) }; break;
                case "--agents": options = options with { Agents = int.Parse(Value(), CultureInfo.InvariantCulture) }; break;
                case "--food": options = options with { Food = int.Parse(Value(), CultureInfo.InvariantCulture) }; break;
                case "--seed": options = options with { Seed = ulong.Parse(Value(), CultureInfo.InvariantCulture) }; break;
                case "--train-frames": options = options with { TrainFrames = int.Parse(Value(), CultureInfo.InvariantCulture) }; break;
                case "--out": options = options with { Out = Value() }; break;
                case "--no-render": options = options with { Render = false }; break;
                default:
                    Console.Error.WriteLine($"unknown option {args[i]}; options: --frames N --agents N --food N --seed N --train-frames N --out DIR --no-render");
                    return 1;
            }
        }
        SimulationRun.Run(options, Console.Out);
        return 0;
    }
}
