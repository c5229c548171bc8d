using System.Reflection;
using Engine.Editor.Commands;

namespace Engine.Editor;

/// <summary>Entry point of the <c>engine</c> tool: dispatches to the verb named by the first argument.</summary>
internal static class Program
{
    private static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Runs the tool in-process (tests call this).</summary>
    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ICliCommand[] commands = typeof(Program).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(ICliCommand).IsAssignableFrom(t))
            .Select(t => (ICliCommand)Activator.CreateInstance(t)!)
            .OrderBy(c => c.Name, StringComparer.Ordinal)
            .ToArray();
        if (args.Length == 0 || args[0] is "--help" or "-h" or "help")
        {
            stdout.WriteLine("engine — train, check and inspect Caffe-style nets.");
            stdout.WriteLine();
            stdout.WriteLine("Usage: engine VERB [options]   (engine VERB --help for details)");
            stdout.WriteLine();
            foreach (ICliCommand c in commands)
            {
                stdout.WriteLine($"  {c.Name,-14}{c.Summary}");
            }
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
            stderr.WriteLine($"engine: unknown verb '{args[0]}'." + (close.Length > 0 ? $" Did you mean '{string.Join("' or '", close)}'?" : "") + " See engine --help.");
            return 1;
        }
        string[] rest = args[1..];
        if (rest.Contains("--help") || rest.Contains("-h"))
        {
            stdout.WriteLine(command.Usage);
            return 0;
        }
        try
        {
            return command.Run(rest, stdout, stderr);
        }
        catch (CliError e)
        {
            stderr.WriteLine($"engine {command.Name}: {e.Message}");
            return 1;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or FormatException or NetException or LayerException)
        {
            stderr.WriteLine(e.Message);
            return 1;
        }
        catch (Exception e)
        {
            stderr.WriteLine($"engine {command.Name}: internal error: {e.GetType().Name}: {e.Message}");
            return 2;
        }
    }
}
