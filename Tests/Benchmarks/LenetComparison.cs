namespace Engine.Benchmarks;

/// <summary>Caffe's LeNet, batch 64, 1×28×28: training and inference images/s against PyTorch (rows lenet-train-Nt, lenet-infer-Nt).</summary>
internal sealed class LenetComparison : NetThroughputComparison
{
    public override string Name => "lenet";

    public override string Description => "Caffe LeNet batch 64 train/infer images/s vs PyTorch+OpenBLAS, 1 and 2 threads";

    protected override string ModelName => "lenet";

    protected override string NetText(int batch, bool train) => BenchmarkNets.LeNet(batch, train);
}
