using Engine.Solvers;

namespace Engine.Distributed;

/// <summary>
/// What a <see cref="Solver"/> calls to train one replica among several: it runs this replica's forward/backward
/// (starting to reduce gradients that are already final), then waits until the parameter diffs hold the gradient of
/// the global batch, before the solver's update. Only the root replica logs, tests and snapshots.
/// </summary>
public interface IGradientReducer
{
    /// <summary>True on the replica that logs, tests and writes snapshots (rank 0).</summary>
    bool IsRoot { get; }

    /// <summary>Number of replicas whose batches make up one global batch.</summary>
    int ReplicaCount { get; }

    /// <summary>
    /// Makes every replica start from the root's state: weights, solver history, iteration, and the data layers' stream
    /// positions and seeds; also tells the train net's data layers which shard to read. Called before the first step.
    /// </summary>
    void Synchronize(Solver solver);

    /// <summary>Forward and backward on this replica's batch; returns its loss. Reduction of early-finished gradients may start here.</summary>
    float ForwardBackward(Net net);

    /// <summary>
    /// Completes the reduction: afterwards every replica's parameter diffs hold the mean of all replicas' gradients
    /// (the gradient of the global batch). Returns the mean of the replicas' losses.
    /// </summary>
    /// <param name="net">The train net.</param>
    /// <param name="loss">This replica's loss.</param>
    /// <param name="iteration">The solver iteration (named in a timeout message).</param>
    float Reduce(Net net, float loss, int iteration);
}
