namespace Engine.Benchmarks;

/// <summary>The comparisons the runner knows, by name. Add a new comparison as its own file and list it here.</summary>
internal static class ComparisonRegistry
{
    public static IReadOnlyList<IComparison> All { get; } =
    [
        new GemmComparison(),
        new OpenCLGemmComparison(),
        new LenetComparison(),
        new OpenCLLenetTrainingComparison(),
        new MlpComparison(),
        new LatencyComparison(),
        new MpiComparison(),
    ];

    public static IComparison? Find(string name) =>
        All.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
}
