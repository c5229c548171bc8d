using Engine.Editor.Checking;
using Engine.Formats;
using Engine.Proto;

namespace Engine.Editor.Commands;

/// <summary><c>engine upgrade</c>: rewrites a legacy (V0/V1) net or an old-style solver in the current schema.</summary>
internal sealed class UpgradeCommand : ICliCommand, IDeclaresOptions
{
    public string Name => "upgrade";

    public string Summary => "Rewrite a legacy net or solver definition in the current schema and say what changed.";

    public string Usage => """
        Usage: engine upgrade OLD.prototxt NEW.prototxt

        Reads a net (V0, V1 or current layout) or a solver (solver_type enum, embedded legacy nets),
        applies the same upgrades as loading does, and writes the result to NEW (atomically; NEW may
        be OLD). Prints one line per kind of change. The output is canonical prototxt: fields in
        schema order, comments not kept. The solver's snapshot_prefix is left as written.

        Example:
          engine upgrade models/alexnet_v1.prototxt models/alexnet.prototxt
        """;

    public void Declare(System.CommandLine.Command command)
    {
        command.Positional("FILES", "OLD.prototxt NEW.prototxt", 0, 100);
    }

    public int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var cl = new CommandLine(args);
        cl.RejectUnknownOptions();
        if (cl.Positional.Count != 2)
        {
            throw new CliError($"expects OLD and NEW file names, got {cl.Positional.Count} argument(s). {Usage.Split('\n')[0]}");
        }
        string oldPath = cl.Positional[0], newPath = cl.Positional[1];
        string text;
        Google.Protobuf.IMessage upgraded;
        List<string> changes;
        var warnings = new List<string>();
        bool solver;
        try
        {
            text = File.ReadAllText(oldPath);
        }
        catch (Exception e) when (Diagnostics.IsInputError(e))
        {
            stderr.WriteLine(Diagnostics.Format(oldPath, null, e));
            return 1;
        }
        try
        {
            solver = TopLevelFields.Scan(text).LooksLikeSolver;
            if (solver)
            {
                var before = Prototxt.Parse<SolverParameter>(text, oldPath);
                SolverParameter after = NetDefinitions.ParseSolver(text, oldPath, warnings);
                changes = UpgradeDescription.OfSolver(before, after);
                upgraded = after;
            }
            else
            {
                var before = Prototxt.Parse<NetParameter>(text, oldPath);
                NetParameter after = NetDefinitions.ParseNet(text, oldPath, warnings);
                changes = UpgradeDescription.OfNet(before, after);
                upgraded = after;
            }
        }
        catch (Exception e) when (Diagnostics.IsInputError(e))
        {
            stderr.WriteLine(Diagnostics.Format(oldPath, text, e));
            return 1;
        }
        try
        {
            Prototxt.WriteFile(newPath, upgraded);
        }
        catch (Exception e) when (Diagnostics.IsInputError(e))
        {
            stderr.WriteLine($"{newPath}: cannot write: {e.Message}");
            return 1;
        }
        foreach (string warning in warnings)
        {
            stderr.WriteLine($"{oldPath}: warning: {warning}");
        }
        string kind = solver ? "solver" : "net";
        if (changes.Count == 0)
        {
            stdout.WriteLine($"{oldPath}: {kind} already current; wrote it to {newPath} in canonical form");
        }
        else
        {
            stdout.WriteLine($"{oldPath} → {newPath} ({kind}, {changes.Count} change(s)):");
            foreach (string change in changes)
            {
                stdout.WriteLine($"  - {change}");
            }
        }
        return 0;
    }
}
