using Engine.Proto;

namespace Engine.Formats;

/// <summary>
/// Loads net and solver definitions the way Caffe's <c>ReadNetParamsFromTextFileOrDie</c> /
/// <c>ReadSolverParamsFromTextFileOrDie</c> do: parse the prototxt, then upgrade deprecated layouts.
/// </summary>
public static class NetDefinitions
{
    /// <summary>Parses and upgrades the net definition in <paramref name="path"/>.</summary>
    /// <param name="path">A <c>.prototxt</c> file (V0, V1 or V2 layout).</param>
    /// <param name="warnings">Receives upgrade notes about fields that could not be carried over.</param>
    /// <exception cref="PrototxtException">The text is malformed.</exception>
    /// <exception cref="NetDefinitionException">The definition cannot be upgraded; the message starts with the path.</exception>
    public static NetParameter LoadNet(string path, IList<string>? warnings = null)
        => ParseNet(File.ReadAllText(path), path, warnings);

    /// <summary>Parses and upgrades a net definition held in memory.</summary>
    /// <exception cref="PrototxtException">The text is malformed.</exception>
    /// <exception cref="NetDefinitionException">The definition cannot be upgraded.</exception>
    public static NetParameter ParseNet(string text, string fileName = Prototxt.StringSource, IList<string>? warnings = null)
    {
        var net = Prototxt.Parse<NetParameter>(text, fileName);
        UpgradeNamed(net, fileName, warnings);
        return net;
    }

    /// <summary>
    /// Parses and upgrades the solver definition in <paramref name="path"/>: <c>solver_type</c> → <c>type</c>,
    /// embedded nets upgraded, and the snapshot prefix defaulted from the file name (see
    /// <see cref="SolverUpgrader.UpgradeSnapshotPrefix"/>).
    /// </summary>
    /// <exception cref="PrototxtException">The text is malformed.</exception>
    /// <exception cref="NetDefinitionException">The definition cannot be upgraded; the message starts with the path.</exception>
    public static SolverParameter LoadSolver(string path, IList<string>? warnings = null)
    {
        var solver = ParseSolver(File.ReadAllText(path), path, warnings);
        SolverUpgrader.UpgradeSnapshotPrefix(solver, path);
        return solver;
    }

    /// <summary>Parses and upgrades a solver definition held in memory (the snapshot prefix is left as written).</summary>
    /// <exception cref="PrototxtException">The text is malformed.</exception>
    /// <exception cref="NetDefinitionException">The definition cannot be upgraded.</exception>
    public static SolverParameter ParseSolver(string text, string fileName = Prototxt.StringSource, IList<string>? warnings = null)
    {
        var solver = Prototxt.Parse<SolverParameter>(text, fileName);
        try
        {
            SolverUpgrader.Upgrade(solver, warnings);
        }
        catch (NetDefinitionException e)
        {
            throw new NetDefinitionException($"{fileName}: {e.Message}", e);
        }

        return solver;
    }

    internal static void UpgradeNamed(NetParameter net, string source, IList<string>? warnings)
    {
        try
        {
            NetUpgrader.Upgrade(net, warnings);
        }
        catch (NetDefinitionException e)
        {
            throw new NetDefinitionException($"{source}: {e.Message}", e);
        }
    }
}
