using System.Globalization;
using Engine.Distributed.Mpi;
using Engine.Solvers;

namespace Engine.Distributed;

/// <summary>
/// Data-parallel training for a program started by <c>mpirun</c> (e.g. <c>mpirun -np 4 engine train --solver S</c>):
/// initializes MPI, and attaches an <see cref="MpiGradientReducer"/> to the solver so that the ranks train one model.
/// Disposing finalizes MPI (or aborts the job after a failed collective).
/// </summary>
public sealed class DistributedSession : IDisposable
{
    /// <summary>Seconds a collective may take before the ranks give up on a missing peer (default 60).</summary>
    public const string TimeoutVariable = "ENGINE_MPI_TIMEOUT";

    private DistributedSession(MpiCommunicator communicator) => Communicator = communicator;

    /// <summary>MPI_COMM_WORLD.</summary>
    public MpiCommunicator Communicator { get; }

    /// <summary>True on rank 0, the rank that logs, tests and snapshots.</summary>
    public bool IsRoot => Communicator.Rank == 0;

    /// <summary>
    /// Starts MPI when this process was launched by Open MPI's <c>mpirun</c>; null otherwise (a plain single-process run).
    /// </summary>
    /// <exception cref="DistributedException">MPI cannot be loaded or initialized, or <see cref="TimeoutVariable"/> is not a positive number.</exception>
    public static DistributedSession? StartIfLaunchedByMpirun()
    {
        if (!MpiCommunicator.LaunchedByMpirun)
        {
            return null;
        }
        double seconds = 60;
        if (Environment.GetEnvironmentVariable(TimeoutVariable) is { Length: > 0 } text
            && (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out seconds) || !(seconds > 0)))
        {
            throw new DistributedException($"{TimeoutVariable}='{text}' is not a positive number of seconds.");
        }
        return new DistributedSession(MpiCommunicator.Initialize(TimeSpan.FromSeconds(seconds)));
    }

    /// <summary>Makes <paramref name="solver"/> one replica of the job; it takes rank 0's state when it starts solving.</summary>
    public MpiGradientReducer Attach(Solver solver)
    {
        ArgumentNullException.ThrowIfNull(solver);
        var reducer = new MpiGradientReducer(Communicator);
        solver.GradientReducer = reducer;
        return reducer;
    }

    /// <summary>Finalizes MPI.</summary>
    public void Dispose() => Communicator.Dispose();
}
