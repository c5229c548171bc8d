namespace Engine.Editor.Commands;

/// <summary>A bad-input error a verb reports as one line and exit code 1.</summary>
internal sealed class CliError(string message) : Exception(message);
