using System.CommandLine;
using System.Diagnostics;
using Engine.Editor.Checking;
using Engine.Editor.Drawing;
using Engine.Formats;
using Engine.Proto;

namespace Engine.Editor.Commands;

/// <summary>
/// <c>engine draw</c>: draws a net as a layered graph (layers as boxes with their type and top shapes, blobs as
/// edges, in-place layers stacked into their producer's box) to SVG, PNG or Graphviz DOT.
/// </summary>
internal sealed class DrawCommand : ICliCommand, IDeclaresOptions
{
    public string Name => "draw";

    public string Summary => "Draw a net as a layered graph to SVG, PNG or Graphviz DOT.";

    public string Usage => """
        Usage: engine draw NET.prototxt OUT.svg|OUT.png|OUT.dot [--phase train|test] [--rankdir TB|LR]

        Builds the net for shapes only (no weights) and draws one box per layer with its name, type
        and top shapes; blobs are the labelled edges; in-place layers (ReLU, Dropout, BatchNorm, ...)
        are stacked inside the box of the layer whose output they modify. The layout is layered:
        every edge points down (TB, the default) or right (LR), with crossings reduced. The format
        follows OUT's extension; .dot is Graphviz text laid out by Graphviz itself.

          --phase    which phase's layers to draw (default: train)
          --rankdir  TB (top to bottom, default) or LR (left to right)

        Example:
          engine draw Samples/FashionLenet/lenet_train_test.prototxt lenet.svg
          engine draw resnet.prototxt resnet.png --phase test --rankdir LR
        """;

    public void Declare(Command command)
    {
        command.Positional("FILES", "NET.prototxt and OUT.svg|png|dot", 0, 100)
            .Value("phase", "train (default) or test")
            .Value("rankdir", "TB (default) or LR");
    }

    public int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var cl = new CommandLine(args);
        cl.RejectUnknownOptions("phase", "rankdir");
        if (cl.Positional.Count != 2)
        {
            throw new CliError($"expects NET.prototxt and an output file, got {cl.Positional.Count} argument(s). {Usage.Split('\n')[0]}");
        }
        string netPath = cl.Positional[0], outPath = cl.Positional[1];
        DrawingFormat format = NetDrawing.FormatOf(outPath)
            ?? throw new CliError($"{outPath}: unknown output format '{Path.GetExtension(outPath)}'; use .svg, .png or .dot");
        Phase phase = cl.Get("phase", "train")!.ToLowerInvariant() switch
        {
            "train" => Phase.Train,
            "test" => Phase.Test,
            string other => throw new CliError($"--phase expects train or test, got '{other}'"),
        };
        bool leftToRight = cl.Get("rankdir", "TB")!.ToUpperInvariant() switch
        {
            "TB" => false,
            "LR" => true,
            string other => throw new CliError($"--rankdir expects TB or LR, got '{other}'"),
        };

        var clock = Stopwatch.StartNew();
        string text;
        NetGraph graph;
        try
        {
            text = File.ReadAllText(netPath);
        }
        catch (Exception e) when (Diagnostics.IsInputError(e))
        {
            Terminal.WriteError(stderr, Diagnostics.Format(netPath, null, e));
            return 1;
        }
        try
        {
            NetParameter net = NetDefinitions.ParseNet(text, netPath);
            graph = NetGraphLoader.Build(net, phase, Path.GetDirectoryName(Path.GetFullPath(netPath)));
        }
        catch (Exception e) when (Diagnostics.IsInputError(e))
        {
            Terminal.WriteError(stderr, Diagnostics.Format(netPath, text, e));
            return 1;
        }
        try
        {
            NetDrawing.Write(graph, outPath, format, leftToRight);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliError($"{outPath}: cannot write: {e.Message}");
        }
        stdout.WriteLine($"Drew {graph.Nodes.Count} boxes ({graph.Nodes.Sum(n => 1 + n.Stacked.Count)} layers) and {graph.Edges.Count} edges to {outPath} in {clock.Elapsed.TotalMilliseconds:0} ms.");
        return 0;
    }
}
