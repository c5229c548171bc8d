namespace Engine.Editor.Web;

/// <summary>
/// The directory the editor was started in. Every path a request names is resolved here and refused when it leaves
/// the directory (<c>..</c>, absolute paths elsewhere, or a symbolic link pointing out).
/// </summary>
internal sealed class Workspace
{
    private readonly string _root;

    /// <summary>Creates the workspace rooted at <paramref name="root"/>.</summary>
    public Workspace(string root)
    {
        _root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
    }

    /// <summary>The root directory, without a trailing separator.</summary>
    public string Root => _root;

    /// <summary>Whether <paramref name="fullPath"/> is inside the root (after following a link at the end of it).</summary>
    public bool Contains(string fullPath)
    {
        string full = Path.GetFullPath(fullPath);
        if (!IsUnderRoot(full))
        {
            return false;
        }
        // A link inside the directory that points outside it would let a save write elsewhere.
        var info = new FileInfo(full);
        if (info.Exists && info.LinkTarget is not null)
        {
            FileSystemInfo? target = info.ResolveLinkTarget(returnFinalTarget: true);
            return target is not null && IsUnderRoot(Path.GetFullPath(target.FullName));
        }
        return true;
    }

    /// <summary>Resolves <paramref name="path"/> (relative to the root, or absolute) to a full path inside the root.</summary>
    /// <exception cref="WorkspaceException">The path is empty or leaves the root.</exception>
    public string Resolve(string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new WorkspaceException("no path given");
        }
        if (path.Contains('\0'))
        {
            throw new WorkspaceException("the path contains a NUL character");
        }
        string full = Path.GetFullPath(Path.Combine(_root, path));
        if (!Contains(full))
        {
            throw new WorkspaceException($"'{path}' is outside the directory the editor was started in ({_root}); refused");
        }
        return full;
    }

    /// <summary><paramref name="fullPath"/> relative to the root, with forward slashes.</summary>
    public string Relative(string fullPath) => Path.GetRelativePath(_root, fullPath).Replace('\\', '/');

    private bool IsUnderRoot(string full)
    {
        StringComparison cmp = OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        return full.StartsWith(_root + Path.DirectorySeparatorChar, cmp);
    }
}
