namespace Engine.Distributed;

/// <summary>
/// Distributed training failed: MPI is missing, a collective did not complete within its timeout (a rank probably
/// died or hangs), or the ranks disagree about the net.
/// </summary>
public sealed class DistributedException : Exception
{
    /// <summary>Creates the exception with a message that names the rank, the operation and the iteration where known.</summary>
    public DistributedException(string message)
        : base(message)
    {
    }
}
