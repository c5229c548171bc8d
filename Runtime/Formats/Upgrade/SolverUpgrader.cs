using Engine.Proto;

namespace Engine.Formats;

/// <summary>Upgrades deprecated solver definitions (the <c>solver_type</c> enum) to the current schema.</summary>
public static class SolverUpgrader
{
    /// <summary>The <c>type</c> string for a deprecated <c>solver_type</c> enum value.</summary>
    public static string TypeName(SolverParameter.Types.SolverType type) => type switch
    {
        SolverParameter.Types.SolverType.Sgd => "SGD",
        SolverParameter.Types.SolverType.Nesterov => "Nesterov",
        SolverParameter.Types.SolverType.Adagrad => "AdaGrad",
        SolverParameter.Types.SolverType.Rmsprop => "RMSProp",
        SolverParameter.Types.SolverType.Adadelta => "AdaDelta",
        SolverParameter.Types.SolverType.Adam => "Adam",
        _ => throw new NetDefinitionException($"unknown solver_type {(int)type}"),
    };

    /// <summary>
    /// Replaces <c>solver_type</c> by the equivalent <c>type</c> string, and upgrades nets embedded in the solver
    /// (<c>net_param</c>, <c>train_net_param</c>, <c>test_net_param</c>) with <see cref="NetUpgrader"/>.
    /// </summary>
    /// <returns>Whether anything changed.</returns>
    /// <exception cref="NetDefinitionException">Both <c>solver_type</c> and <c>type</c> are set, or an embedded net is inconsistent.</exception>
    public static bool Upgrade(SolverParameter solver, IList<string>? warnings = null)
    {
        ArgumentNullException.ThrowIfNull(solver);
        bool changed = false;
        if (solver.HasSolverType)
        {
            if (solver.HasType)
            {
                throw new NetDefinitionException(
                    $"solver sets both the deprecated 'solver_type: {solver.SolverType}' and 'type: \"{solver.Type}\"'; keep only 'type'");
            }

            solver.Type = TypeName(solver.SolverType);
            solver.ClearSolverType();
            changed = true;
        }

        if (solver.NetParam is { } net)
        {
            changed |= NetUpgrader.Upgrade(net, warnings);
        }

        if (solver.TrainNetParam is { } train)
        {
            changed |= NetUpgrader.Upgrade(train, warnings);
        }

        foreach (var test in solver.TestNetParam)
        {
            changed |= NetUpgrader.Upgrade(test, warnings);
        }

        return changed;
    }

    /// <summary>
    /// Caffe's snapshot-prefix rule: when <c>snapshot_prefix</c> is unset it becomes the solver file's path without
    /// extension; when it names an existing directory, snapshots go to <c>&lt;dir&gt;/&lt;solver file stem&gt;</c>.
    /// </summary>
    /// <returns>Whether the prefix changed.</returns>
    public static bool UpgradeSnapshotPrefix(SolverParameter solver, string solverFilePath)
    {
        ArgumentNullException.ThrowIfNull(solver);
        ArgumentNullException.ThrowIfNull(solverFilePath);
        if (!solver.HasSnapshotPrefix)
        {
            solver.SnapshotPrefix = Path.ChangeExtension(solverFilePath, null);
            return true;
        }

        if (Directory.Exists(solver.SnapshotPrefix))
        {
            solver.SnapshotPrefix = Path.Combine(solver.SnapshotPrefix, Path.GetFileNameWithoutExtension(solverFilePath));
            return true;
        }

        return false;
    }
}
