using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Engine.Formats;
using Engine.Solvers;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Logging;

namespace Engine.Editor.Web;

/// <summary>
/// The web editor's HTTP server: Kestrel on the loopback address only, a random session token required by every
/// API call, and no request ever runs a shell command. Started by <c>engine edit</c>, or in-process by tests.
/// </summary>
internal sealed class EditorServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TrainingSession _training;

    private EditorServer(WebApplication app, TrainingSession training, Uri baseAddress, string token)
    {
        _app = app;
        _training = training;
        BaseAddress = baseAddress;
        Token = token;
    }

    /// <summary><c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The session token (128 random bits, hex).</summary>
    public string Token { get; }

    /// <summary>The page's URL with the token, as printed for the user.</summary>
    public Uri Url => new(BaseAddress, "/?token=" + Token);

    /// <summary>The training runner (tests wait on it).</summary>
    internal TrainingSession Training => _training;

    /// <summary>Binds and starts the server.</summary>
    /// <exception cref="IOException">The port is taken.</exception>
    public static async Task<EditorServer> StartAsync(EditorServerOptions options, CancellationToken cancellation = default)
    {
        var workspace = new Workspace(options.RootDirectory);
        string netPath = Path.GetFullPath(options.NetPath);
        if (!workspace.Contains(netPath))
        {
            throw new WorkspaceException($"{options.NetPath} is outside {workspace.Root}; start 'engine edit' in a directory that holds the net");
        }
        string token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var guard = new LocalRequestGuard(token);

        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = workspace.Root,
            ApplicationName = "engine-edit",
        });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, options.Port);
            k.Limits.MaxRequestBodySize = 16 << 20;
            k.AddServerHeader = false;
        });
        WebApplication app = builder.Build();
        var training = new TrainingSession(options with { NetPath = netPath }, workspace);
        app.Use(guard.InvokeAsync);
        MapPage(app);
        MapApi(app, options with { NetPath = netPath }, workspace, training);
        try
        {
            await app.StartAsync(cancellation);
        }
        catch
        {
            training.Dispose();
            await app.DisposeAsync();
            throw;
        }
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        int port = new Uri(address).Port;
        guard.SetPort(port);
        return new EditorServer(app, training, new Uri($"http://127.0.0.1:{port}/"), token);
    }

    /// <summary>Stops a training run (it snapshots) and the server.</summary>
    public async Task StopAsync()
    {
        _training.Dispose();
        await _app.StopAsync();
    }

    /// <summary>Completes when the server shuts down (Ctrl+C in <c>engine edit</c>).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellation) => _app.WaitForShutdownAsync(cancellation);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
    }

    private static void MapPage(WebApplication app)
    {
        app.MapGet("/", context => StaticAssets.Serve(context, "index.html"));
        foreach (string name in StaticAssets.Names)
        {
            app.MapGet("/" + name, context => StaticAssets.Serve(context, name));
        }
    }

    private static void MapApi(WebApplication app, EditorServerOptions options, Workspace workspace, TrainingSession training)
    {
        string netPath = options.NetPath;
        string directory = Path.GetDirectoryName(netPath)!;

        app.MapGet("/api/file", () => Results.Json(new
        {
            name = Path.GetFileName(netPath),
            path = workspace.Relative(netPath),
            text = File.ReadAllText(netPath),
            solver = options.SolverPath is null ? null : Path.GetFileName(options.SolverPath),
        }));

        app.MapPost("/api/parse", (ParseRequest request) =>
            request.Text is null ? Error(400, "no text") : Results.Json(NetGraphBuilder.Build(request.Text, Path.GetFileName(netPath), directory)));

        app.MapPost("/api/save", (SaveRequest request) =>
        {
            if (request.Text is null)
            {
                return Error(400, "no text");
            }
            try
            {
                string target = request.Path is null ? netPath : workspace.Resolve(request.Path);
                if (Directory.Exists(target))
                {
                    return Error(400, $"'{request.Path}' is a directory");
                }
                AtomicFile.WriteAllBytes(target, System.Text.Encoding.UTF8.GetBytes(request.Text));
                return Results.Json(new { ok = true, path = workspace.Relative(target) });
            }
            catch (WorkspaceException e)
            {
                return Error(403, e.Message);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return Error(500, $"could not write: {e.Message}");
            }
        });

        app.MapPost("/api/train", (TrainRequest request) =>
        {
            try
            {
                string log = training.Start(request.Text, request.Iterations);
                return Results.Json(new { ok = true, log });
            }
            catch (InvalidOperationException e)
            {
                return Error(409, e.Message);
            }
            catch (Exception e) when (e is ArgumentException or FormatException or SolverException or FileNotFoundException)
            {
                return Error(400, e.Message);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return Error(500, $"could not start the run: {e.Message}");
            }
        });

        app.MapPost("/api/stop", () => Results.Json(new { ok = true, stopping = training.Stop() }));

        app.MapGet("/api/events", async (HttpContext context, IHostApplicationLifetime lifetime) =>
        {
            context.Response.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-cache";
            var reader = training.Subscribe(out Action unsubscribe);
            // An open page must not hold up Ctrl+C: end the stream when the server stops, too.
            using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
            try
            {
                await context.Response.WriteAsync(": connected\n\n", ended.Token);
                await context.Response.Body.FlushAsync(ended.Token);
                await foreach (TrainingRecord record in reader.ReadAllAsync(ended.Token))
                {
                    await context.Response.WriteAsync($"data: {JsonSerializer.Serialize(record, TrainingSession.Json)}\n\n", ended.Token);
                    await context.Response.Body.FlushAsync(ended.Token);
                }
            }
            catch (OperationCanceledException)
            {
                // The page went away or the server is stopping.
            }
            finally
            {
                unsubscribe();
            }
        });

        app.MapGet("/api/log", (string? path) =>
        {
            try
            {
                string full = workspace.Resolve(path);
                if (!File.Exists(full))
                {
                    return Error(404, $"'{path}' not found");
                }
                return Results.Json(TrainingLog.Read(full), TrainingSession.Json);
            }
            catch (WorkspaceException e)
            {
                return Error(403, e.Message);
            }
            catch (FormatException e)
            {
                return Error(400, e.Message);
            }
        });
    }

    private static IResult Error(int status, string message) => Results.Json(new { error = message }, statusCode: status);
}
