namespace Engine.Embedding;

/// <summary>
/// One immutable generation of a model's parameters: a blob per (layer, parameter index). Swapping weights creates a new
/// set; handles move to it at their next call, and the old set is freed by the garbage collector once no handle uses it.
/// </summary>
internal sealed class WeightSet
{
    public WeightSet(Dictionary<string, Blob[]> blobsByLayer, int generation)
    {
        BlobsByLayer = blobsByLayer;
        Generation = generation;
    }

    public Dictionary<string, Blob[]> BlobsByLayer { get; }

    public int Generation { get; }

    /// <summary>Copies the parameters of <paramref name="net"/>'s layers into a new set.</summary>
    public static WeightSet CopyFrom(Net net, int generation)
    {
        var blobs = new Dictionary<string, Blob[]>(StringComparer.Ordinal);
        foreach (Layer layer in net.Layers)
        {
            if (layer.Blobs.Count == 0)
            {
                continue;
            }
            var copies = new Blob[layer.Blobs.Count];
            for (int k = 0; k < copies.Length; k++)
            {
                copies[k] = new Blob(layer.Blobs[k].Shape, $"{layer.Name}/{k}");
                layer.Blobs[k].Data.CopyTo(copies[k].MutableData);
            }
            blobs[layer.Name] = copies;
        }
        return new WeightSet(blobs, generation);
    }
}
