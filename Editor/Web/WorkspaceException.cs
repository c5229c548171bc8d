namespace Engine.Editor.Web;

/// <summary>A request named a path outside the editor's directory, or none.</summary>
internal sealed class WorkspaceException(string message) : Exception(message);
