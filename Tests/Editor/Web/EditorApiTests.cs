using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Engine.Editor.Web;
using Engine.Formats;
using Engine.Proto;
using NUnit.Framework;

namespace Engine.Tests.Editor.Web;

/// <summary>The editor's HTTP API as the page (or an attacker) calls it.</summary>
[TestFixture]
public sealed class EditorApiTests
{
    private static HttpClient Client(EditorWorkspace workspace, bool withToken = true)
    {
        var client = new HttpClient { BaseAddress = workspace.Server.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (withToken)
        {
            client.DefaultRequestHeaders.Add(LocalRequestGuard.TokenHeader, workspace.Server.Token);
        }
        return client;
    }

    private static async Task<JsonElement> Json(HttpResponseMessage response)
        => JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    [Test]
    public async Task PrintedUrlIsLoopbackWithA128BitToken()
    {
        await using EditorWorkspace workspace = await EditorWorkspace.StartAsync();
        Uri url = workspace.Server.Url;
        Assert.That(url.Host, Is.EqualTo("127.0.0.1"));
        Assert.That(url.Query, Does.StartWith("?token="));
        Assert.That(workspace.Server.Token, Has.Length.EqualTo(32).And.Match("^[0-9a-f]+$"));
        await using EditorWorkspace other = await EditorWorkspace.StartAsync();
        Assert.That(other.Server.Token, Is.Not.EqualTo(workspace.Server.Token));
    }

    [Test]
    public async Task ApiCallsWithoutTheTokenAreRefused()
    {
        await using EditorWorkspace workspace = await EditorWorkspace.StartAsync();
        using HttpClient anonymous = Client(workspace, withToken: false);
        Assert.That((await anonymous.GetAsync("/api/file")).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await anonymous.GetAsync("/api/file?token=" + new string('0', 32))).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That((await anonymous.PostAsJsonAsync("/api/save", new { text = "x" })).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(File.ReadAllText(workspace.NetPath), Is.EqualTo(EditorWorkspace.NetText), "a refused save wrote nothing");
        Assert.That((await anonymous.GetAsync("/api/file?token=" + workspace.Server.Token)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        // The page itself holds no secret and needs no token.
        Assert.That((await anonymous.GetAsync("/")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task ForeignHostAndOriginAreRefused()
    {
        await using EditorWorkspace workspace = await EditorWorkspace.StartAsync();
        using HttpClient client = Client(workspace);
        int port = workspace.Server.BaseAddress.Port;

        using var rebinding = new HttpRequestMessage(HttpMethod.Get, "/api/file");
        rebinding.Headers.Host = $"attacker.example:{port}";
        Assert.That((await client.SendAsync(rebinding)).StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));

        using var otherPort = new HttpRequestMessage(HttpMethod.Get, "/");
        otherPort.Headers.Host = $"127.0.0.1:{port + 1}";
        Assert.That((await client.SendAsync(otherPort)).StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));

        using var crossSite = new HttpRequestMessage(HttpMethod.Post, "/api/save") { Content = JsonContent.Create(new { text = "x" }) };
        crossSite.Headers.Add("Origin", "http://attacker.example");
        Assert.That((await client.SendAsync(crossSite)).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(File.ReadAllText(workspace.NetPath), Is.EqualTo(EditorWorkspace.NetText));

        using var localhost = new HttpRequestMessage(HttpMethod.Get, "/api/file");
        localhost.Headers.Host = $"localhost:{port}";
        localhost.Headers.Add("Origin", $"http://localhost:{port}");
        Assert.That((await client.SendAsync(localhost)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task ParseReturnsEveryLayerWithShapesAndTheNetsTotals()
    {
        await using EditorWorkspace workspace = await EditorWorkspace.StartAsync();
        using HttpClient client = Client(workspace);
        JsonElement result = await Json(await client.PostAsJsonAsync("/api/parse", new { text = EditorWorkspace.NetText }));

        Assert.That(result.GetProperty("ok").GetBoolean(), Is.True, result.ToString());
        JsonElement[] nodes = [.. result.GetProperty("graph").GetProperty("nodes").EnumerateArray()];
        Assert.That(nodes.Select(n => n.GetProperty("name").GetString()), Is.EqualTo(EditorWorkspace.TrainLayerNames()));

        // The same figures as a net Engine builds itself.
        NetParameter definition = NetDefinitions.ParseNet(EditorWorkspace.NetText);
        using var net = new Engine.Net(definition, Microsoft.Extensions.DependencyInjection.EngineServices.CreateDefaultRegistry(), new NetOptions { Phase = Phase.Train, ShapesOnly = true });
        foreach (JsonElement node in nodes)
        {
            string name = node.GetProperty("name").GetString()!;
            Layer layer = net.GetLayer(name);
            int index = net.LayerIndex(name);
            Assert.That(node.GetProperty("paramCount").GetInt64(), Is.EqualTo(layer.Blobs.Sum(b => (long)b.Count)), name);
            Assert.That(node.GetProperty("flops").GetInt64(), Is.EqualTo(layer.ForwardFlops(net.BottomsOf(index), net.TopsOf(index))), name);
            Assert.That(node.GetProperty("topShapes")[0].EnumerateArray().Select(d => d.GetInt32()), Is.EqualTo(net.TopsOf(index)[0].ShapeArray), name);
            Assert.That(node.GetProperty("line").GetInt32(), Is.EqualTo(EditorWorkspace.LineOf($"name: \"{name}\"")), name);
        }
        JsonElement totals = result.GetProperty("totals");
        Assert.That(totals.GetProperty("parameters").GetInt64(), Is.EqualTo(net.LearnableParams.Sum(p => (long)p.Count)));
        int batch = net.GetBlob("data").ShapeAt(0);
        Assert.That(totals.GetProperty("batchSize").GetInt32(), Is.EqualTo(batch));
        long flops = Enumerable.Range(0, net.Layers.Count).Sum(i => net.Layers[i].ForwardFlops(net.BottomsOf(i), net.TopsOf(i)));
        Assert.That(totals.GetProperty("flopsPerSample").GetDouble(), Is.EqualTo((double)flops / batch).Within(1e-6));

        // ReLU works in place: ip1 -> relu1 -> ip2, not ip1 -> ip2.
        var edges = result.GetProperty("graph").GetProperty("edges").EnumerateArray()
            .Select(e => (e.GetProperty("from").GetString(), e.GetProperty("to").GetString())).ToList();
        Assert.That(edges, Does.Contain(("ip1", "relu1")).And.Contain(("relu1", "ip2")).And.Not.Contain(("ip1", "ip2")));
    }

    [Test]
    public async Task SyntaxErrorIsReportedAtItsLineAndColumn()
    {
        await using EditorWorkspace workspace = await EditorWorkspace.StartAsync();
        using HttpClient client = Client(workspace);
        int line = EditorWorkspace.LineOf("kernel_size: 5");
        string[] lines = EditorWorkspace.NetText.Split('\n');
        int column = lines[line - 1].IndexOf("kernel_size", StringComparison.Ordinal) + 1;
        lines[line - 1] = lines[line - 1].Replace("kernel_size", "kernel_sise", StringComparison.Ordinal);

        JsonElement result = await Json(await client.PostAsJsonAsync("/api/parse", new { text = string.Join('\n', lines) }));

        Assert.That(result.GetProperty("ok").GetBoolean(), Is.False);
        JsonElement error = result.GetProperty("errors")[0];
        Assert.That(error.GetProperty("line").GetInt32(), Is.EqualTo(line));
        Assert.That(error.GetProperty("col").GetInt32(), Is.EqualTo(column));
        Assert.That(error.GetProperty("message").GetString(), Does.Contain("kernel_sise").And.Contain("kernel_size"));
    }

    [Test]
    public async Task NetErrorKeepsTheLayersAndPointsAtTheCulprit()
    {
        await using EditorWorkspace workspace = await EditorWorkspace.StartAsync();
        using HttpClient client = Client(workspace);
        string text = EditorWorkspace.NetText.Replace("bottom: \"pool1\"", "bottom: \"poolX\"", StringComparison.Ordinal);

        JsonElement result = await Json(await client.PostAsJsonAsync("/api/parse", new { text }));

        Assert.That(result.GetProperty("ok").GetBoolean(), Is.False);
        JsonElement error = result.GetProperty("errors")[0];
        Assert.That(error.GetProperty("line").GetInt32(), Is.EqualTo(EditorWorkspace.LineOf("name: \"ip1\"", text)));
        Assert.That(error.GetProperty("message").GetString(), Does.Contain("poolX"));
        Assert.That(result.GetProperty("graph").GetProperty("nodes").GetArrayLength(), Is.EqualTo(EditorWorkspace.TrainLayerNames().Length));
        Assert.That(result.GetProperty("totals").ValueKind, Is.EqualTo(JsonValueKind.Null));
    }

    [Test]
    public async Task SaveWritesTheFileAtomicallyAndOnlyInsideTheStartDirectory()
    {
        await using EditorWorkspace workspace = await EditorWorkspace.StartAsync();
        using HttpClient client = Client(workspace);
        string edited = EditorWorkspace.NetText.Replace("num_output: 4", "num_output: 7", StringComparison.Ordinal);

        HttpResponseMessage saved = await client.PostAsJsonAsync("/api/save", new { text = edited });
        Assert.That(saved.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(File.ReadAllText(workspace.NetPath), Is.EqualTo(edited));
        Assert.That(Directory.GetFiles(workspace.Root).Select(Path.GetFileName), Is.EquivalentTo(new[] { EditorWorkspace.NetName, EditorWorkspace.SolverName }),
            "no temporary file is left behind");

        string outside = Path.Combine(Path.GetTempPath(), $"engine-edit-escape-{Guid.NewGuid():N}.prototxt");
        foreach (string path in new[] { "../escape.prototxt", outside, "sub/../../escape.prototxt" })
        {
            HttpResponseMessage refused = await client.PostAsJsonAsync("/api/save", new { text = "x", path });
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), path);
            Assert.That((await Json(refused)).GetProperty("error").GetString(), Does.Contain("outside"), path);
        }
        Assert.That(File.Exists(outside), Is.False);
        Assert.That(File.Exists(Path.Combine(Path.GetDirectoryName(workspace.Root)!, "escape.prototxt")), Is.False);

        // A name inside the directory is a "save as".
        Assert.That((await client.PostAsJsonAsync("/api/save", new { text = edited, path = "copy.prototxt" })).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(File.ReadAllText(Path.Combine(workspace.Root, "copy.prototxt")), Is.EqualTo(edited));
    }

    [Test]
    public async Task SaveThroughALinkPointingOutsideIsRefused()
    {
        await using EditorWorkspace workspace = await EditorWorkspace.StartAsync();
        using HttpClient client = Client(workspace);
        string outside = Path.Combine(Path.GetTempPath(), $"engine-edit-target-{Guid.NewGuid():N}.prototxt");
        File.WriteAllText(outside, "original");
        try
        {
            File.CreateSymbolicLink(Path.Combine(workspace.Root, "link.prototxt"), outside);
            HttpResponseMessage refused = await client.PostAsJsonAsync("/api/save", new { text = "x", path = "link.prototxt" });
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That(File.ReadAllText(outside), Is.EqualTo("original"));
        }
        finally
        {
            File.Delete(outside);
        }
    }

    [Test]
    public async Task TrainingStreamsOneRecordPerIterationToTheLogWhichReloads()
    {
        await using EditorWorkspace workspace = await EditorWorkspace.StartAsync();
        using HttpClient client = Client(workspace);
        const int iterations = 9;
        HttpResponseMessage started = await client.PostAsJsonAsync("/api/train", new { text = EditorWorkspace.NetText, iterations });
        Assert.That(started.StatusCode, Is.EqualTo(HttpStatusCode.OK), await started.Content.ReadAsStringAsync());
        string log = (await Json(started)).GetProperty("log").GetString()!;
        workspace.Server.Training.WaitForRun(TimeSpan.FromSeconds(60));
        Assert.That(workspace.Server.Training.Running, Is.False);

        JsonElement records = await Json(await client.GetAsync("/api/log?path=" + Uri.EscapeDataString(log)));
        JsonElement[] iters = [.. records.EnumerateArray().Where(r => r.GetProperty("kind").GetString() == "iter")];
        Assert.That(iters.Select(r => r.GetProperty("iter").GetInt32()), Is.EqualTo(Enumerable.Range(1, iterations)));
        Assert.That(iters.All(r => double.IsFinite(r.GetProperty("loss").GetDouble()) && r.GetProperty("lr").GetDouble() > 0), Is.True);
        Assert.That(records.EnumerateArray().Count(r => r.GetProperty("kind").GetString() == "test"), Is.GreaterThan(0));
        Assert.That(Directory.GetFiles(Path.Combine(workspace.Root, "snapshots"), "*.caffemodel"), Is.Not.Empty);

        Assert.That((await client.GetAsync("/api/log?path=" + Uri.EscapeDataString("/etc/passwd"))).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task StopSnapshotsAndEndsTheRun()
    {
        await using EditorWorkspace workspace = await EditorWorkspace.StartAsync();
        using HttpClient client = Client(workspace);
        var progressed = new TaskCompletionSource();
        System.Threading.Channels.ChannelReader<TrainingRecord> events = workspace.Server.Training.Subscribe(out Action unsubscribe);
        try
        {
            HttpResponseMessage started = await client.PostAsJsonAsync("/api/train", new { iterations = 1_000_000 });
            Assert.That(started.StatusCode, Is.EqualTo(HttpStatusCode.OK), await started.Content.ReadAsStringAsync());
            Assert.That((await client.PostAsJsonAsync("/api/train", new { iterations = 5 })).StatusCode, Is.EqualTo(HttpStatusCode.Conflict),
                "one run at a time");
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while ((await events.ReadAsync(timeout.Token)) is not { Kind: "iter", Iter: >= 3 })
            {
            }
            Assert.That((await Json(await client.PostAsJsonAsync("/api/stop", new { }))).GetProperty("stopping").GetBoolean(), Is.True);
            TrainingRecord last;
            while ((last = await events.ReadAsync(timeout.Token)) is not { Kind: "state", Running: false })
            {
            }
            Assert.That(last.Message, Does.StartWith("stopped at iteration").And.Contain("snapshot"));
            Assert.That(last.Iter, Is.LessThan(1_000_000));
            Assert.That(File.Exists(Path.Combine(workspace.Root, "snapshots", $"tiny_iter_{last.Iter}.caffemodel")), Is.True);
        }
        finally
        {
            unsubscribe();
        }
    }

    [Test]
    public async Task TrainingWithoutASolverIsAClearError()
    {
        await using EditorWorkspace workspace = await EditorWorkspace.StartAsync(withSolver: false);
        using HttpClient client = Client(workspace);
        HttpResponseMessage response = await client.PostAsJsonAsync("/api/train", new { });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That((await Json(response)).GetProperty("error").GetString(), Does.Contain("--solver"));
    }

    [Test]
    public async Task EventsStreamSendsTheCurrentState()
    {
        await using EditorWorkspace workspace = await EditorWorkspace.StartAsync();
        using HttpClient client = Client(workspace);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/events");
        using HttpResponseMessage response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/event-stream"));
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        string? line;
        while ((line = await reader.ReadLineAsync()) is not null && !line.StartsWith("data:", StringComparison.Ordinal))
        {
        }
        Assert.That(line, Is.Not.Null);
        TrainingRecord? state = JsonSerializer.Deserialize<TrainingRecord>(line!["data:".Length..], TrainingSession.Json);
        Assert.That(state, Is.Not.Null);
        Assert.That(state!.Kind, Is.EqualTo("state"));
        Assert.That(state.Running, Is.False);
    }

    [Test]
    public void ANetOutsideTheStartDirectoryIsRefused()
    {
        using var root = new TempDirectory();
        using var elsewhere = new TempDirectory();
        string net = elsewhere.Write("net.prototxt", EditorWorkspace.NetText);
        Assert.ThrowsAsync<WorkspaceException>(() => EditorServer.StartAsync(new EditorServerOptions { NetPath = net, RootDirectory = root.Path }));
    }
}
