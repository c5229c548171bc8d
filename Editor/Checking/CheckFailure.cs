namespace Engine.Editor.Checking;

/// <summary>A definition fails the check for a reason the runtime would only find later (a missing source under --strict, a bad solver field).</summary>
internal sealed class CheckFailure(string message) : Exception(message);
