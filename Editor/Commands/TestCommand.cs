using System.Globalization;
using Engine.Formats;
using Engine.Proto;
using Microsoft.Extensions.DependencyInjection;

namespace Engine.Editor.Commands;

/// <summary><c>engine test</c>: scores trained weights on a net's TEST phase (Caffe's 'caffe test'): every output averaged over N batches.</summary>
internal sealed class TestCommand : ICliCommand, IDeclaresOptions
{
    public string Name => "test";

    public string Summary => "Score trained weights on a net's TEST phase (Caffe's 'caffe test').";

    public string Usage => """
        Usage: engine test --model NET.prototxt --weights W.caffemodel [--iterations N]

          --iterations  number of batches to average over (default 50)

        Example:
          engine test --model Samples/FashionLenet/lenet_train_test.prototxt --weights Samples/FashionLenet/snapshots/lenet_iter_10000.caffemodel --iterations 100
        """;

    public void Declare(System.CommandLine.Command command)
    {
        command.Value("model", "the net definition").Value("weights", "trained weights").Value("iterations", "batches to score (default 50)");
    }

    public int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var cl = new CommandLine(args);
        string model = cl.Get("model") ?? throw new CliError("--model is required (see engine test --help)");
        string weights = cl.Get("weights") ?? throw new CliError("--weights is required: a net without trained weights scores nothing useful");
        int iterations = cl.GetInt("iterations", 50);
        if (iterations <= 0)
        {
            throw new CliError($"--iterations must be > 0, got {iterations}");
        }
        LayerRegistry registry = EngineServices.CreateDefaultRegistry();
        NetParameter def;
        NetParameter trained;
        try
        {
            def = NetDefinitions.LoadNet(model);
            trained = WeightsFile.ReadNet(weights);
        }
        catch (FormatException e)
        {
            throw new CliError(e.Message);
        }
        using var net = new Net(def, registry, NetOptions.ForPhase(Phase.Test));
        net.CopyTrainedLayersFrom(trained);
        var sums = new double[net.OutputBlobs.Sum(b => b.Count)];
        var c = CultureInfo.InvariantCulture;
        for (int i = 0; i < iterations; i++)
        {
            net.Forward();
            int k = 0;
            foreach (Blob output in net.OutputBlobs)
            {
                for (int e = 0; e < output.Count; e++, k++)
                {
                    sums[k] += output.Data[e];
                    stdout.WriteLine($"Batch {i}, {output.Name} = {output.Data[e].ToString("G6", c)}");
                }
            }
        }
        int index = 0;
        foreach (Blob output in net.OutputBlobs)
        {
            for (int e = 0; e < output.Count; e++, index++)
            {
                stdout.WriteLine($"{output.Name} = {(sums[index] / iterations).ToString("G6", c)}");
            }
        }
        return 0;
    }
}
