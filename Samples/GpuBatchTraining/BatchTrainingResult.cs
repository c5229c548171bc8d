namespace Engine.Samples.GpuBatchTraining;

/// <summary>
/// Figures of one run: training throughput (after the first iteration, which builds the device programs), final
/// smoothed loss, test accuracy over the test batches, and wall times.
/// </summary>
internal sealed record BatchTrainingResult(string Device, int Iterations, int Batch, double ImagesPerSecond, float FinalLoss, float TestAccuracy, TimeSpan TrainTime, TimeSpan TestTime);
