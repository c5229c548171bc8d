namespace Engine.Distributed;

/// <summary>
/// The learnable parameters of a net grouped into a few large buckets, in the order backward finishes them (last
/// layers first), so that a bucket's reduction can start while backward is still running through earlier layers.
/// Each bucket owns a pinned buffer that its parameters' diffs are packed into.
/// </summary>
internal sealed class GradientBuckets
{
    /// <summary>One fused buffer and the parameters packed into it.</summary>
    internal sealed class Bucket
    {
        public required int[] Params { get; init; }
        public required int[] Offsets { get; init; }
        public required float[] Buffer { get; init; }

        /// <summary>The bucket is complete once backward has run the layer with this index (every user of its parameters).</summary>
        public required int ReadyAfterLayer { get; init; }
    }

    private GradientBuckets(Bucket[] buckets) => Items = buckets;

    /// <summary>Buckets in the order they become ready.</summary>
    public Bucket[] Items { get; }

    /// <summary>Groups <paramref name="net"/>'s learnable parameters into buckets of at most <paramref name="capacityFloats"/> values (a larger parameter gets its own).</summary>
    public static GradientBuckets Create(Net net, int capacityFloats)
    {
        IReadOnlyList<Blob> parameters = net.LearnableParams;
        int[] lastUser = LowestUsingLayer(net);
        int[] order = Enumerable.Range(0, parameters.Count).OrderByDescending(j => lastUser[j]).ThenByDescending(j => j).ToArray();
        var buckets = new List<Bucket>();
        var members = new List<int>();
        long size = 0;
        foreach (int j in order)
        {
            int count = parameters[j].Count;
            if (members.Count > 0 && size + count > capacityFloats)
            {
                buckets.Add(Make(members, parameters, lastUser));
                members.Clear();
                size = 0;
            }
            members.Add(j);
            size += count;
        }
        if (members.Count > 0)
        {
            buckets.Add(Make(members, parameters, lastUser));
        }
        return new GradientBuckets([.. buckets]);
    }

    private static Bucket Make(List<int> members, IReadOnlyList<Blob> parameters, int[] lastUser)
    {
        var offsets = new int[members.Count];
        int total = 0;
        for (int m = 0; m < members.Count; m++)
        {
            offsets[m] = total;
            total += parameters[members[m]].Count;
        }
        return new Bucket
        {
            Params = [.. members],
            Offsets = offsets,
            Buffer = GC.AllocateArray<float>(Math.Max(total, 1), pinned: true),
            ReadyAfterLayer = members.Min(j => lastUser[j]),
        };
    }

    /// <summary>
    /// For each learnable parameter, the lowest layer index whose backward adds to its diff. Shared parameters
    /// (a ParamSpec name seen before) accumulate from several layers; this walks the layers as the net numbers its
    /// learnable parameters (owners in order of first appearance).
    /// </summary>
    private static int[] LowestUsingLayer(Net net)
    {
        int count = net.LearnableParams.Count;
        var lowest = new int[count];
        var owners = new Dictionary<string, int>(StringComparer.Ordinal);
        int next = 0;
        for (int i = 0; i < net.Layers.Count; i++)
        {
            Layer layer = net.Layers[i];
            for (int k = 0; k < layer.Blobs.Count; k++)
            {
                string name = k < layer.Param.Param.Count ? layer.Param.Param[k].Name : "";
                int id;
                if (name.Length > 0 && owners.TryGetValue(name, out int owner))
                {
                    id = owner;
                }
                else
                {
                    id = next++;
                    if (name.Length > 0)
                    {
                        owners[name] = id;
                    }
                }
                if (id < count)
                {
                    lowest[id] = i;
                }
            }
        }
        if (next != count)
        {
            // The numbering did not match the net's: reduce everything after the whole backward pass.
            Array.Fill(lowest, 0);
        }
        return lowest;
    }

    /// <summary>Copies a bucket's parameter diffs into its buffer.</summary>
    public static void Pack(Bucket bucket, IReadOnlyList<Blob> parameters)
    {
        Span<float> buffer = bucket.Buffer;
        for (int m = 0; m < bucket.Params.Length; m++)
        {
            ReadOnlySpan<float> diff = parameters[bucket.Params[m]].Diff;
            diff.CopyTo(buffer.Slice(bucket.Offsets[m], diff.Length));
        }
    }

    /// <summary>Writes the reduced buffer × <paramref name="scale"/> back into the parameter diffs.</summary>
    public static void Unpack(Bucket bucket, IReadOnlyList<Blob> parameters, float scale)
    {
        ReadOnlySpan<float> buffer = bucket.Buffer;
        for (int m = 0; m < bucket.Params.Length; m++)
        {
            Span<float> diff = parameters[bucket.Params[m]].MutableDiff;
            ReadOnlySpan<float> reduced = buffer.Slice(bucket.Offsets[m], diff.Length);
            if (scale == 1f)
            {
                reduced.CopyTo(diff);
            }
            else
            {
                System.Numerics.Tensors.TensorPrimitives.Multiply(reduced, scale, diff);
            }
        }
    }
}
