using Microsoft.Playwright;
using NUnit.Framework;
using static Microsoft.Playwright.Assertions;

namespace Engine.Tests.Editor.Web;

/// <summary>
/// Drives the editor page as a user would, in Debian's headless Chromium (no browser download: Playwright is pointed
/// at /usr/bin/chromium, which CI installs).
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class EditorPageTests
{
    private const string Chromium = "/usr/bin/chromium";

    [Test]
    public async Task EditingShowsGraphErrorsAndUpdatesAndTrainingDrawsCurves()
    {
        if (!File.Exists(Chromium))
        {
            Assert.Inconclusive($"{Chromium} is not installed (apt-get install chromium); the web editor's UI test needs it.");
        }
        await using EditorWorkspace workspace = await EditorWorkspace.StartAsync();
        using IPlaywright playwright = await Playwright.CreateAsync();
        await using IBrowser browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"],
        });
        IPage page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        var consoleErrors = new List<string>();
        page.Console += (_, m) =>
        {
            if (m.Type == "error")
            {
                consoleErrors.Add(m.Text);
            }
        };
        page.SetDefaultTimeout(30_000);
        await page.GotoAsync(workspace.Server.Url.ToString());

        // Every layer of the TRAIN net is drawn.
        string[] layers = EditorWorkspace.TrainLayerNames();
        await Expect(page.Locator("#graph g.node")).ToHaveCountAsync(layers.Length);
        foreach (string name in layers)
        {
            await Expect(page.Locator($"#graph g.node[data-name='{name}']")).ToHaveCountAsync(1);
        }
        await Expect(page.Locator("#totals")).ToContainTextAsync("Parameters");

        // Type an unknown field: it is underlined where it was typed.
        int line = EditorWorkspace.LineOf("top: \"conv1\"");
        const string typo = " bogus_field: 1";
        await page.EvaluateAsync($"window.engineEditor.goToLineEnd({line})");
        await page.Keyboard.TypeAsync(typo);
        await page.WaitForFunctionAsync($"() => window.engineEditor.diagnostics().some(d => d.line === {line})");
        ILocator underline = page.Locator(".cm-lintRange-error");
        await Expect(underline).ToHaveCountAsync(1);
        await Expect(underline).ToHaveTextAsync("bogus_field");
        int column = await page.EvaluateAsync<int>("window.engineEditor.diagnostics()[0].col");
        int expectedColumn = EditorWorkspace.NetText.Split('\n')[line - 1].Length + 2;
        Assert.That(column, Is.EqualTo(expectedColumn), "the error is placed at the typed field");
        await Expect(page.Locator(".cm-line", new PageLocatorOptions { Has = underline })).ToContainTextAsync("top: \"conv1\"");

        // Fix it, then change conv1's output count: the error goes and the graph shows the new shape.
        for (int i = 0; i < typo.Length; i++)
        {
            await page.Keyboard.PressAsync("Backspace");
        }
        await page.WaitForFunctionAsync("() => window.engineEditor.diagnostics().length === 0");
        await Expect(underline).ToHaveCountAsync(0);
        ILocator conv1 = page.Locator("#graph g.node[data-name='conv1']");
        await Expect(conv1).ToContainTextAsync("8×4×24×24");
        await page.EvaluateAsync($"window.engineEditor.goToLineEnd({EditorWorkspace.LineOf("num_output: 4")})");
        await page.Keyboard.PressAsync("Backspace");
        await page.Keyboard.TypeAsync("6");
        await Expect(conv1).ToContainTextAsync("8×6×24×24");

        // Clicking a node shows its figures and puts the cursor on its definition.
        await page.Locator("#graph g.node[data-name='ip1']").ClickAsync();
        await Expect(page.Locator("#details h3")).ToContainTextAsync("ip1 (InnerProduct)");
        await Expect(page.Locator("#details")).ToContainTextAsync("Parameters");
        int cursorLine = await page.EvaluateAsync<int>("window.engineEditor.cursorLine()");
        Assert.That(cursorLine, Is.EqualTo(EditorWorkspace.LineOf("name: \"ip1\"")));

        // Train a few iterations: the loss chart gains points and the run finishes.
        Assert.That(await page.Locator("#chart-loss").GetAttributeAsync("data-points"), Is.EqualTo("0"));
        await page.Locator("#iterations").FillAsync("12");
        await page.Locator("#train").ClickAsync();
        await Expect(page.Locator("#train-state")).ToContainTextAsync("finished at iteration 12", new() { Timeout = 60_000 });
        int points = int.Parse(await page.Locator("#chart-loss").GetAttributeAsync("data-points") ?? "0");
        Assert.That(points, Is.EqualTo(12), "one loss point per iteration");
        Assert.That(int.Parse(await page.Locator("#chart-accuracy").GetAttributeAsync("data-points") ?? "0"), Is.GreaterThan(0));

        // The finished run's curves come back from its log.
        await Expect(page.Locator("#log-path")).ToHaveValueAsync(new System.Text.RegularExpressions.Regex(@"^engine-run-.*\.jsonl$"));
        await page.Locator("#load-log").ClickAsync();
        await Expect(page.Locator("#status")).ToContainTextAsync("loaded");
        Assert.That(await page.Locator("#chart-loss").GetAttributeAsync("data-points"), Is.EqualTo(points.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        string screenshot = Path.Combine(TestContext.CurrentContext.WorkDirectory, "engine-edit.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot });
        TestContext.AddTestAttachment(screenshot, "The web editor after editing and a short training run");
        Assert.That(consoleErrors, Is.Empty, "the page logged errors");
    }
}
