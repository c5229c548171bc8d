using Engine.Proto;

namespace Engine;

/// <summary>How to instantiate a <see cref="Net"/>.</summary>
public sealed class NetOptions
{
    /// <summary>Phase to build for; null takes the definition's <c>state.phase</c> (TEST when unset, as Caffe).</summary>
    public Phase? Phase { get; init; }

    /// <summary>Level for include/exclude rules; null takes the definition's.</summary>
    public int? Level { get; init; }

    /// <summary>Stages for include/exclude rules; null takes the definition's.</summary>
    public IReadOnlyList<string>? Stages { get; init; }

    /// <summary>Backend for blobs and computation; null is the CPU.</summary>
    public Backend? Backend { get; init; }

    /// <summary>Seed of the net's random generator (fillers, dropout).</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>
    /// Build for shapes only (<c>engine check</c>): fillers validate their settings but do not write, so parameter
    /// memory stays unallocated. Such a net reports shapes, parameter counts and FLOPs; running it computes with
    /// zero weights.
    /// </summary>
    public bool ShapesOnly { get; init; }

    /// <summary>Options with only the phase set.</summary>
    public static NetOptions ForPhase(Phase phase) => new() { Phase = phase };
}
