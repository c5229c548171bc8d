using Engine.Editor.Checking;
using Engine.Formats;
using Engine.Proto;

namespace Engine.Editor.Commands;

/// <summary>
/// <c>engine check</c>: validates a net or solver definition without training: parse, upgrade, filter by state,
/// build for shapes only, and print each layer's tops, parameters and FLOPs.
/// </summary>
internal sealed class CheckCommand : ICliCommand, IDeclaresOptions
{
    public string Name => "check";

    public string Summary => "Validate a net or solver definition and print layer shapes, parameters and FLOPs.";

    public string Usage => """
        Usage: engine check NET.prototxt [--phase train|test] [--level N] [--stage S]... [--strict]
               engine check SOLVER.prototxt [--strict]

        Parses and upgrades the definition, keeps the layers of the given state (default: the
        definition's own state, TEST when unset), builds the net for shapes only (no weights are
        allocated) and prints one row per layer: name, type, bottoms, tops with shapes, parameter
        count and forward FLOPs, then the totals.
        A data layer whose source is missing is a warning; its unknown axes (and what depends on
        them) print as '?'. With --strict it is an error.
        A solver (a file with base_lr, net, train_net, ...) is checked for its type, lr_policy and
        net settings, then each train and test net is checked in its own state. Net files named
        by the solver are looked up in the current directory (as Caffe), then beside the solver.
        Exit code 0 when valid; otherwise 1, with 'file:line:column: message' lines on stderr.

        Example:
          engine check examples/mnist/lenet_train_test.prototxt --phase train
          engine check examples/mnist/lenet_solver.prototxt
        """;

    public void Declare(System.CommandLine.Command command)
    {
        command.Positional("FILE", "a net or solver definition", 0, 100).Value("phase", "train or test").Value("level", "net state level")
            .Value("stage", "net state stage (repeatable)", repeatable: true).Flag("strict", "a missing data source is an error");
    }

    public int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var cl = new CommandLine(args, "strict");
        cl.RejectUnknownOptions("phase", "level", "stage", "strict");
        if (cl.Positional.Count != 1)
        {
            throw new CliError($"expects one definition file, got {cl.Positional.Count}. {Usage.Split('\n')[0]}");
        }
        string path = cl.Positional[0];
        bool strict = cl.Has("strict");
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (Diagnostics.IsInputError(e))
        {
            stderr.WriteLine(Diagnostics.Format(path, null, e));
            return 1;
        }

        var fields = TopLevelFields.Scan(text);
        if (fields.LooksLikeSolver)
        {
            if (cl.Has("phase") || cl.Has("level") || cl.Has("stage"))
            {
                throw new CliError("--phase, --level and --stage apply to net files; a solver sets the state of each of its nets");
            }
            return new SolverCheck(path, text, fields, strict, stdout, stderr).Run() ? 0 : 1;
        }

        NetParameter net;
        var notes = new List<string>();
        try
        {
            net = NetDefinitions.ParseNet(text, path, notes);
        }
        catch (Exception e) when (Diagnostics.IsInputError(e))
        {
            stderr.WriteLine(Diagnostics.Format(path, text, e));
            return 1;
        }
        NetState state = StateFromOptions(cl, net.State);
        return CheckNet(path, text, net, state, strict, notes, stdout, stderr) ? 0 : 1;
    }

    /// <summary>Checks one net and prints its table (stdout) or its error (stderr); returns whether it is valid.</summary>
    internal static bool CheckNet(string file, string? text, NetParameter net, NetState state, bool strict, List<string> notes, TextWriter stdout, TextWriter stderr)
    {
        string? directory = Path.GetDirectoryName(Path.GetFullPath(file));
        NetCheckResult result;
        try
        {
            result = NetChecker.Check(net, state, directory, strict);
        }
        catch (Exception e) when (Diagnostics.IsInputError(e))
        {
            stderr.WriteLine(Diagnostics.Format(file, text, e));
            return false;
        }
        foreach (string warning in notes.Concat(result.Warnings))
        {
            stderr.WriteLine($"{file}: warning: {warning}");
        }
        NetReportWriter.Write(result, stdout);
        return true;
    }

    private static NetState StateFromOptions(CommandLine cl, NetState? fromDefinition)
    {
        NetState state = fromDefinition?.Clone() ?? new NetState();
        if (cl.Get("phase") is string phase)
        {
            state.Phase = phase.ToLowerInvariant() switch
            {
                "train" => Phase.Train,
                "test" => Phase.Test,
                _ => throw new CliError($"--phase must be train or test, got '{phase}'"),
            };
        }
        if (cl.Has("level"))
        {
            state.Level = cl.GetInt("level", 0);
        }
        if (cl.Has("stage"))
        {
            state.Stage.Clear();
            state.Stage.AddRange(cl.GetAll("stage"));
        }
        return state;
    }
}
