using Spectre.Console;

namespace Engine.Editor.Commands;

/// <summary>
/// Decides between rich output (Spectre.Console colour, live progress, charts) and plain lines. Rich output is used
/// only when the writer is the real console on a terminal and colour is not disabled (<c>--no-color</c> or the
/// <c>NO_COLOR</c> environment variable), so captured output (tests, CI, pipes) stays plain text.
/// </summary>
internal static class Terminal
{
    // Per invocation rather than process-wide: tests run the tool in-process many times with different flags.
    private static readonly AsyncLocal<bool> s_noColor = new();

    /// <summary>True while the current invocation was given <c>--no-color</c>.</summary>
    public static bool NoColor
    {
        get => s_noColor.Value || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
        set => s_noColor.Value = value;
    }

    /// <summary>True when <paramref name="writer"/> is the console's stdout on a terminal and colour is allowed.</summary>
    public static bool IsRich(TextWriter writer) => !NoColor && ReferenceEquals(writer, Console.Out) && !Console.IsOutputRedirected;

    /// <summary>True when <paramref name="writer"/> is the console's stderr on a terminal and colour is allowed.</summary>
    public static bool IsRichError(TextWriter writer) => !NoColor && ReferenceEquals(writer, Console.Error) && !Console.IsErrorRedirected;

    /// <summary>A Spectre console writing to <paramref name="writer"/>, with ANSI codes only when <paramref name="rich"/>.</summary>
    public static IAnsiConsole For(TextWriter writer, bool rich) => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(writer),
        Ansi = rich ? AnsiSupport.Yes : AnsiSupport.No,
        ColorSystem = rich ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        Interactive = rich ? InteractionSupport.Yes : InteractionSupport.No,
    });

    /// <summary>Writes a one-line error, red on a terminal.</summary>
    public static void WriteError(TextWriter stderr, string line)
    {
        if (IsRichError(stderr))
        {
            stderr.WriteLine($"\u001b[31m{line}\u001b[0m");
        }
        else
        {
            stderr.WriteLine(line);
        }
    }
}
