namespace Engine.Benchmarks;

/// <summary>One named comparison of Engine against a reference implementation, e.g. "gemm".</summary>
internal interface IComparison
{
    string Name { get; }

    string Description { get; }

    /// <summary>Runs the comparison and returns one row per measure.</summary>
    IReadOnlyList<ComparisonRow> Run(BenchmarkSettings settings);
}

/// <summary>One measure of a comparison. Ratio is oriented so that above 1 means Engine is better.</summary>
internal sealed record ComparisonRow(string Measure, double Engine, double Reference, string Unit, bool HigherIsBetter)
{
    public double Ratio => HigherIsBetter ? Engine / Reference : Reference / Engine;
}

/// <summary>Knobs shared by all comparisons. CpuTime: time single-threaded measures by process CPU time (for loaded machines).</summary>
internal sealed record BenchmarkSettings(int Rounds, double SecondsPerSample, bool CpuTime);
