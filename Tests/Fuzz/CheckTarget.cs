using Engine.Editor.Checking;
using Engine.Editor.Commands;
using Engine.Formats;
using Engine.Proto;

namespace Engine.Fuzz;

/// <summary>
/// <c>engine check</c> run in-process on one definition text, through the checking library rather than argv parsing.
/// Its contract differs from the readers': it never throws for bad input, it prints <c>file[:line:column]: message</c>
/// and reports the definition invalid. That outcome is turned into a <see cref="FormatException"/> here so the fuzz
/// loop counts it as a rejection; anything that escapes the checker, or a diagnostic that does not name the file,
/// counts as a crash.
/// </summary>
internal static class CheckTarget
{
    public const string FileName = "fuzz_check.prototxt";

    public static void Feed(string text)
    {
        var stderr = new StringWriter();
        bool valid;
        TopLevelFields fields = TopLevelFields.Scan(text);
        if (fields.LooksLikeSolver)
        {
            valid = new SolverCheck(FileName, text, fields, strict: false, TextWriter.Null, stderr).Run();
        }
        else
        {
            valid = CheckNet(text, stderr);
        }
        if (!valid)
        {
            string diagnostic = stderr.ToString();
            if (!diagnostic.StartsWith(FileName, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"engine check rejected the input without naming the file: '{diagnostic}'");
            }
            throw new FormatException(diagnostic);
        }
    }

    private static bool CheckNet(string text, TextWriter stderr)
    {
        NetParameter net;
        var notes = new List<string>();
        try
        {
            net = NetDefinitions.ParseNet(text, FileName, notes);
        }
        catch (Exception e) when (Diagnostics.IsInputError(e))
        {
            stderr.WriteLine(Diagnostics.Format(FileName, text, e));
            return false;
        }
        return CheckCommand.CheckNet(FileName, text, net, net.State ?? new NetState(), strict: false, notes, TextWriter.Null, stderr);
    }
}
