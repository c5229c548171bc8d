using Engine.Editor;

namespace Engine.Tests.Editor;

/// <summary>Runs the engine tool in-process and captures its output.</summary>
internal static class CliRunner
{
    /// <summary>Exit code, stdout and stderr of <c>engine args...</c>.</summary>
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Program.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
