namespace Engine.Editor.Checking;

/// <summary>One layer of a checked net. A <c>null</c> dimension, count or FLOP figure depends on data the check could not see.</summary>
/// <param name="Name">Layer name.</param>
/// <param name="Type">Layer type.</param>
/// <param name="Bottoms">Bottom blob names.</param>
/// <param name="Tops">Top blob names with shapes (a null shape: even the number of axes is unknown).</param>
/// <param name="Parameters">Scalars in the layer's parameter blobs.</param>
/// <param name="Flops">Forward FLOPs.</param>
internal sealed record CheckedLayer(string Name, string Type, string[] Bottoms, (string Name, int?[]? Shape)[] Tops, long? Parameters, long? Flops);

/// <summary>What <see cref="NetChecker"/> found out about a net.</summary>
/// <param name="NetName">The net's name.</param>
/// <param name="State">The state the net was built in.</param>
/// <param name="Layers">Layers in execution order (with the split layers the net inserts); empty when shapes could not be inferred.</param>
/// <param name="Parameters">Learnable scalars, shared parameters counted once.</param>
/// <param name="Flops">Forward FLOPs of the whole net.</param>
/// <param name="ActivationValues">Scalars in the blobs between layers (in-place blobs counted once).</param>
/// <param name="Warnings">Things that did not stop the check (missing data sources, upgrade notes).</param>
internal sealed record NetCheckResult(
    string NetName,
    Proto.NetState State,
    IReadOnlyList<CheckedLayer> Layers,
    long? Parameters,
    long? Flops,
    long? ActivationValues,
    IReadOnlyList<string> Warnings);
