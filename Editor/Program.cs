using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using Engine.Editor.Commands;
using Spectre.Console;

namespace Engine.Editor;

/// <summary>
/// Entry point of the <c>engine</c> tool. A System.CommandLine root command holds one subcommand per
/// <see cref="ICliCommand"/> found by reflection; verbs that implement <see cref="IDeclaresOptions"/> have their
/// options validated by the parser, the others receive their tokens unchanged.
/// Exit codes: 0 success, 1 bad input, 2 internal error.
/// </summary>
internal static class Program
{
    private const string NoColorFlag = "--no-color";

    private static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Runs the tool in-process (tests call this).</summary>
    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr)
        => Run(args, stdout, stderr, typeof(Program).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && !t.IsInterface && typeof(ICliCommand).IsAssignableFrom(t))
            .Select(t => (ICliCommand)Activator.CreateInstance(t)!));

    /// <summary>Runs the tool with the given verbs instead of the discovered ones (tests plug in their own).</summary>
    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr, IEnumerable<ICliCommand> verbs)
    {
        ICliCommand[] commands = verbs.OrderBy(c => c.Name, StringComparer.Ordinal).ToArray();
        bool previousNoColor = Terminal.NoColor;
        Terminal.NoColor = args.Contains(NoColorFlag);
        try
        {
            return Dispatch(commands, args.Where(a => a != NoColorFlag).ToArray(), stdout, stderr);
        }
        finally
        {
            Terminal.NoColor = previousNoColor;
        }
    }

    private static int Dispatch(ICliCommand[] commands, string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0 || args[0] is "--help" or "-h" or "-?" or "help")
        {
            WriteOverview(commands, stdout);
            return args.Length == 0 ? 1 : 0;
        }
        if (args[0] == "--version")
        {
            stdout.WriteLine(EngineInfo.Version);
            return 0;
        }
        ICliCommand? command = commands.FirstOrDefault(c => c.Name == args[0]);
        if (command is null)
        {
            string[] close = Suggestions.Closest(args[0], commands.Select(c => c.Name), 2);
            Terminal.WriteError(stderr, $"engine: unknown verb '{args[0]}'." + (close.Length > 0 ? $" Did you mean '{string.Join("' or '", close)}'?" : "") + " See engine --help.");
            return 1;
        }

        RootCommand root = BuildRoot(commands);
        ParseResult parsed = root.Parse(args);
        if (parsed.Action is HelpAction)
        {
            stdout.WriteLine(command.Usage);
            return 0;
        }
        if (parsed.Errors.Count > 0)
        {
            Terminal.WriteError(stderr, $"engine {command.Name}: {Describe(parsed.Errors[0], parsed.CommandResult.Command)} (see engine {command.Name} --help)");
            return 1;
        }
        if (command is IDeclaresOptions && UnknownOption(parsed) is string unknown)
        {
            string[] close = Suggestions.Closest(unknown, parsed.CommandResult.Command.Options.Select(o => o.Name), 1);
            Terminal.WriteError(stderr, $"engine {command.Name}: unknown option {unknown}" + (close.Length > 0 ? $"; did you mean {close[0]}?" : "") + $" (see engine {command.Name} --help)");
            return 1;
        }
        try
        {
            return command.Run(args[1..], stdout, stderr);
        }
        catch (CliError e)
        {
            Terminal.WriteError(stderr, $"engine {command.Name}: {e.Message}");
            return 1;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or FormatException or NetException or LayerException)
        {
            Terminal.WriteError(stderr, e.Message);
            return 1;
        }
        catch (Exception e)
        {
            Terminal.WriteError(stderr, $"engine {command.Name}: internal error: {e.GetType().Name}: {e.Message}");
            return 2;
        }
    }

    /// <summary>The parser: one subcommand per verb, plus the global <c>--no-color</c>.</summary>
    internal static RootCommand BuildRoot(IEnumerable<ICliCommand> commands)
    {
        var root = new RootCommand("engine: train, check and inspect Caffe-style nets.");
        root.Options.Add(new Option<bool>(NoColorFlag) { Description = "Plain output: no colour, no live progress.", Recursive = true, Arity = ArgumentArity.Zero });
        foreach (ICliCommand c in commands)
        {
            var sub = new Command(c.Name, c.Summary);
            if (c is IDeclaresOptions declared)
            {
                declared.Declare(sub);
            }
            else
            {
                sub.Arguments.Add(new Argument<string[]>("args") { Arity = ArgumentArity.ZeroOrMore });
                sub.TreatUnmatchedTokensAsErrors = false;
            }
            root.Subcommands.Add(sub);
        }
        return root;
    }

    /// <summary>A token that looks like an option but was taken as a positional argument because no option has its name.</summary>
    private static string? UnknownOption(ParseResult parsed)
        => parsed.CommandResult.Children.OfType<ArgumentResult>()
            .SelectMany(a => a.Tokens)
            .Select(t => t.Value)
            .FirstOrDefault(v => v.StartsWith("--", StringComparison.Ordinal) && v.Length > 2);

    private static string Describe(ParseError error, Command command)
    {
        // System.CommandLine reports an unknown option as an unrecognised token; name the closest declared option instead.
        string? token = error.Message.Split('\'') is { Length: >= 3 } parts ? parts[1] : null;
        if (token is not null && token.StartsWith("--", StringComparison.Ordinal) && error.Message.StartsWith("Unrecognized", StringComparison.Ordinal))
        {
            string[] close = Suggestions.Closest(token, command.Options.Select(o => o.Name), 1);
            return $"unknown option {token}" + (close.Length > 0 ? $"; did you mean {close[0]}?" : "");
        }
        return error.Message.TrimEnd('.');
    }

    private static void WriteOverview(ICliCommand[] commands, TextWriter stdout)
    {
        bool rich = Terminal.IsRich(stdout);
        if (rich)
        {
            IAnsiConsole console = Terminal.For(stdout, true);
            console.MarkupLine("[bold]engine[/]: train, check and inspect Caffe-style nets.");
            console.MarkupLine("Usage: engine VERB [options] [--no-color]   (engine VERB --help for details)");
            var table = new Table().Border(TableBorder.Simple).AddColumn("Verb").AddColumn("What it does");
            foreach (ICliCommand c in commands)
            {
                table.AddRow(new Markup($"[green]{Markup.Escape(c.Name)}[/]"), new Text(c.Summary));
            }
            console.Write(table);
            return;
        }
        stdout.WriteLine("engine: train, check and inspect Caffe-style nets.");
        stdout.WriteLine();
        stdout.WriteLine("Usage: engine VERB [options] [--no-color]   (engine VERB --help for details)");
        stdout.WriteLine();
        foreach (ICliCommand c in commands)
        {
            stdout.WriteLine($"  {c.Name,-14}{c.Summary}");
        }
    }
}
