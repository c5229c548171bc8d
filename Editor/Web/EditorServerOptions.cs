namespace Engine.Editor.Web;

/// <summary>What <see cref="EditorServer"/> serves and where it listens.</summary>
internal sealed record EditorServerOptions
{
    /// <summary>The net prototxt being edited; it must lie inside <see cref="RootDirectory"/>.</summary>
    public required string NetPath { get; init; }

    /// <summary>Solver prototxt the Train button runs; null disables training.</summary>
    public string? SolverPath { get; init; }

    /// <summary>The only directory the server reads logs from and writes files to (the directory it was started in).</summary>
    public required string RootDirectory { get; init; }

    /// <summary>Loopback port to listen on; 0 picks a free one.</summary>
    public int Port { get; init; }
}
