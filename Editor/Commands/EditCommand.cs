using Engine.Editor.Web;

namespace Engine.Editor.Commands;

/// <summary>
/// <c>engine edit</c>: serves the live web editor for a net on the loopback address and prints its URL (with the
/// session token). It opens no browser by itself; Ctrl+C stops it (a training run snapshots first).
/// </summary>
internal sealed class EditCommand : ICliCommand
{
    public string Name => "edit";

    public string Summary => "Edit a net in the browser: live graph, shapes, FLOPs, errors and training charts.";

    public string Usage => """
        Usage: engine edit NET.prototxt [--solver SOLVER.prototxt] [--port P]

          NET        the net definition to edit; it must lie under the current directory, the only place the editor writes
          --solver   the solver the Train button runs (its net is the edited text when it names NET)
          --port     loopback port to listen on (default: a free one)

        Prints http://127.0.0.1:PORT/?token=... ; open it in a browser. Every API call needs that token, and only
        this machine (127.0.0.1 / localhost) is served. Ctrl+C stops the server.

        Example:
          engine edit Samples/FashionLenet/lenet_train_test.prototxt --solver Samples/FashionLenet/lenet_solver.prototxt
        """;

    public int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var cl = new CommandLine(args);
        cl.RejectUnknownOptions("solver", "port");
        if (cl.Positional.Count != 1)
        {
            throw new CliError("give exactly one net prototxt (see engine edit --help)");
        }
        string net = cl.Positional[0];
        if (!File.Exists(net))
        {
            throw new CliError($"{net}: file not found");
        }
        string? solver = cl.Get("solver");
        if (solver is not null && !File.Exists(solver))
        {
            throw new CliError($"{solver}: file not found");
        }
        int port = cl.GetInt("port", 0);
        if (port is < 0 or > 65535)
        {
            throw new CliError($"option --port expects 0..65535, got {port}");
        }

        var options = new EditorServerOptions
        {
            NetPath = Path.GetFullPath(net),
            SolverPath = solver is null ? null : Path.GetFullPath(solver),
            RootDirectory = Directory.GetCurrentDirectory(),
            Port = port,
        };
        return Serve(options, stdout).GetAwaiter().GetResult();
    }

    private static async Task<int> Serve(EditorServerOptions options, TextWriter stdout)
    {
        EditorServer server;
        try
        {
            server = await EditorServer.StartAsync(options);
        }
        catch (WorkspaceException e)
        {
            throw new CliError(e.Message);
        }
        catch (IOException e)
        {
            throw new CliError($"cannot listen on 127.0.0.1:{options.Port}: {e.Message}");
        }
        await using (server)
        {
            using var stop = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) =>
            {
                e.Cancel = true;
                stop.Cancel();
            };
            Console.CancelKeyPress += onCancel;
            try
            {
                stdout.WriteLine($"Editing {Path.GetRelativePath(options.RootDirectory, options.NetPath)} at {server.Url}");
                stdout.WriteLine("Open that URL in a browser on this machine. Ctrl+C stops the server.");
                stdout.Flush();
                await server.WaitForShutdownAsync(stop.Token);
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
        }
        return 0;
    }
}
