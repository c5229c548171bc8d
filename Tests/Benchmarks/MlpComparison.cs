namespace Engine.Benchmarks;

/// <summary>MLP 784-512-512-10 (ReLU), batch 64: training and inference images/s against PyTorch (rows mlp784-train-Nt, mlp784-infer-Nt).</summary>
internal sealed class MlpComparison : NetThroughputComparison
{
    public override string Name => "mlp";

    public override string Description => "MLP 784-512-512-10 batch 64 train/infer images/s vs PyTorch+OpenBLAS, 1 and 2 threads";

    protected override string ModelName => "mlp784";

    protected override string NetText(int batch, bool train) => BenchmarkNets.Mlp784(batch, train);
}
