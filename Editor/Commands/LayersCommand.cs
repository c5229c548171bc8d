using Engine.Editor.Catalogue;
using Engine.Formats;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace Engine.Editor.Commands;

/// <summary><c>engine layers</c>: lists every registered layer type with its summary, or writes the Markdown catalogue.</summary>
internal sealed class LayersCommand : ICliCommand, IDeclaresOptions
{
    public string Name => "layers";

    public string Summary => "List every registered layer type with a one-line summary (--markdown: the full catalogue).";

    public string Usage => $"""
        Usage: engine layers [--markdown [OUT.md]]

        Without options: one line per registered layer type with its summary.
        --markdown: the catalogue (summary, parameter messages read, their fields and defaults) as
        Markdown, to stdout or atomically to OUT.md. The repository keeps it in {LayerCatalogue.RepositoryPath}.

        Example:
          engine layers
          engine layers --markdown {LayerCatalogue.RepositoryPath}
        """;

    public void Declare(System.CommandLine.Command command)
    {
        command.Flag("markdown", "write the Markdown catalogue").Positional("OUT", "where to write the catalogue", 0, 100);
    }

    public int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var cl = new CommandLine(args, "markdown");
        cl.RejectUnknownOptions("markdown");
        LayerRegistry registry = EngineServices.CreateDefaultRegistry();
        if (!cl.Has("markdown"))
        {
            if (cl.Positional.Count > 0)
            {
                throw new CliError($"unexpected argument '{cl.Positional[0]}'. {Usage.Split('\n')[0]}");
            }
            if (Terminal.IsRich(stdout))
            {
                var table = new Table().AddColumn("Type").AddColumn("Summary");
                foreach (LayerRegistration r in registry.Registrations)
                {
                    table.AddRow(new Markup($"[green]{Markup.Escape(r.Type)}[/]"), new Text(r.Summary));
                }
                Terminal.For(stdout, true).Write(table);
                return 0;
            }
            foreach (LayerRegistration r in registry.Registrations)
            {
                stdout.WriteLine($"{r.Type,-26}{r.Summary}");
            }
            return 0;
        }
        if (cl.Positional.Count > 1)
        {
            throw new CliError($"--markdown takes at most one output file, got {cl.Positional.Count}");
        }
        string markdown = LayerCatalogue.Markdown(registry);
        if (cl.Positional.Count == 0)
        {
            stdout.Write(markdown);
            return 0;
        }
        string path = cl.Positional[0];
        try
        {
            AtomicFile.WriteAllBytes(path, new System.Text.UTF8Encoding(false).GetBytes(markdown));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"{path}: cannot write: {e.Message}");
            return 1;
        }
        stdout.WriteLine($"wrote {registry.Registrations.Count} layer types to {path}");
        return 0;
    }
}
