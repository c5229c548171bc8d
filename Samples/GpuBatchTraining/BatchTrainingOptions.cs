namespace Engine.Samples.GpuBatchTraining;

/// <summary>
/// What to train: the device (<c>cpu</c> or <c>opencl:N</c>), iterations, train batch size, learning rate (0: LeNet's
/// 0.01 scaled linearly with the batch over its 64), test batches of 100 images, and the Fashion-MNIST directory.
/// </summary>
internal sealed record BatchTrainingOptions(
    string Device = "opencl:0",
    int Iterations = 2000,
    int Batch = 256,
    float LearningRate = 0f,
    int TestBatches = 100,
    string DataDirectory = BatchTrainingOptions.DefaultDataDirectory,
    int Display = 100)
{
    /// <summary>Where Debian's <c>dataset-fashion-mnist</c> package installs the IDX files.</summary>
    public const string DefaultDataDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The learning rate actually used.</summary>
    public float EffectiveLearningRate => LearningRate > 0f ? LearningRate : 0.01f * Batch / 64f;

    /// <summary>Parses <c>--device</c>, <c>--iterations</c>, <c>--batch</c>, <c>--lr</c>, <c>--test-batches</c>, <c>--data</c>, <c>--display</c>.</summary>
    /// <exception cref="ArgumentException">An unknown option or a value that is not a positive number (names the option).</exception>
    public static BatchTrainingOptions Parse(IReadOnlyList<string> args)
    {
        var options = new BatchTrainingOptions();
        for (int i = 0; i < args.Count; i++)
        {
            string name = args[i];
            if (name is "--cpu")
            {
                options = options with { Device = "cpu" };
                continue;
            }
            if (i + 1 >= args.Count)
            {
                throw new ArgumentException($"{name}: missing value (see --help)");
            }
            string value = args[++i];
            options = name switch
            {
                "--device" => options with { Device = value },
                "--iterations" => options with { Iterations = Positive(name, value) },
                "--batch" => options with { Batch = Positive(name, value) },
                "--lr" => options with { LearningRate = float.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out float lr) && lr > 0 ? lr : throw new ArgumentException($"--lr: '{value}' is not a positive number") },
                "--test-batches" => options with { TestBatches = Positive(name, value) },
                "--data" => options with { DataDirectory = value },
                "--display" => options with { Display = Positive(name, value) },
                _ => throw new ArgumentException($"unknown option '{name}' (see --help)"),
            };
        }
        return options;
    }

    private static int Positive(string name, string value)
        => int.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out int n) && n > 0 ? n : throw new ArgumentException($"{name}: '{value}' is not a positive integer");
}
