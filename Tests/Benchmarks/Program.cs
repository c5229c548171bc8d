using Engine.Benchmarks;

// Plain runner: `compare <name>...` runs comparisons, prints a table and writes results/latest.json;
// `profile <net> [--threads N]` prints per-layer times.
if (args.Length >= 2 && args[0] == "profile")
{
    return LayerProfile.Run(args[1], args.Length >= 4 && args[2] == "--threads" ? int.Parse(args[3]) : 1);
}
if (args.Length < 2 || args[0] != "compare")
{
    Console.Error.WriteLine("usage: compare <name>...|all [--rounds N] [--seconds S] [--cpu-time]");
    Console.Error.WriteLine("comparisons: " + string.Join(", ", ComparisonRegistry.All.Select(c => $"{c.Name} ({c.Description})")));
    return 2;
}

int rounds = 5;
double seconds = 0.25;
bool cpuTime = false;
var names = new List<string>();
for (int i = 1; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--rounds": rounds = int.Parse(args[++i]); break;
        case "--cpu-time": cpuTime = true; break;
        case "--seconds": seconds = double.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
        default: names.Add(args[i]); break;
    }
}

// "all" runs every registered comparison in registry order.
if (names.Remove("all")) names.InsertRange(0, ComparisonRegistry.All.Select(c => c.Name).Where(n => !names.Contains(n)));

var settings = new BenchmarkSettings(rounds, seconds, cpuTime);
var rows = new List<ComparisonRow>();
foreach (var name in names)
{
    var comparison = ComparisonRegistry.Find(name);
    if (comparison is null)
    {
        Console.Error.WriteLine($"unknown comparison '{name}'; known: {string.Join(", ", ComparisonRegistry.All.Select(c => c.Name))}");
        return 2;
    }
    try
    {
        rows.AddRange(comparison.Run(settings));
    }
    catch (ReferenceUnavailableException e)
    {
        Console.Error.WriteLine($"{name}: refusing to compare: {e.Message}");
        return 1;
    }
}

ResultReport.Print(rows, Console.Out);
string path = ResultReport.WriteJson(rows, AppContext.BaseDirectory);
Console.WriteLine($"wrote {path}");
return 0;
