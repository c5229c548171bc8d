namespace Engine.Samples.GpuBatchTraining;

/// <summary>
/// Trains Fashion-MNIST LeNet with large batches on an OpenCL device (or the CPU, for comparison) and prints images/s
/// and the final test accuracy. See README.md.
/// </summary>
internal static class Program
{
    private const string Usage = """
        Usage: GpuBatchTraining [--device opencl:N|cpu] [--cpu] [--iterations N] [--batch N] [--lr RATE] [--test-batches N] [--data DIR] [--display N]

          --device        opencl:N (default opencl:0) or cpu
          --cpu           same as --device cpu
          --iterations    training iterations (default 2000)
          --batch         train batch size (default 256)
          --lr            base learning rate (default 0.01 x batch / 64, LeNet's rate scaled with the batch)
          --test-batches  test batches of 100 images at the end (default 100 = all 10 000)
          --data          Fashion-MNIST IDX directory (default /usr/share/datasets/fashion-mnist)
          --display       progress line every N iterations (default 100)
        """;

    private static int Main(string[] args)
    {
        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.WriteLine(Usage);
            return 0;
        }
        try
        {
            BatchTrainingRun.Run(BatchTrainingOptions.Parse(args), Console.Out);
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or DirectoryNotFoundException or Engine.Backends.OpenCL.OpenCLException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
    }
}
