using Engine.Formats;
using Engine.Proto;

namespace Engine;

public sealed partial class Net
{
    /// <summary>
    /// The net as a <see cref="NetParameter"/> with every layer's blobs (what a <c>.caffemodel</c> holds): layers in
    /// execution order, split layers included, each with its definition and parameter data (and diff when asked).
    /// </summary>
    public NetParameter ToProto(bool includeDiff = false)
    {
        var result = new NetParameter { Name = Name };
        foreach (Layer layer in _layers)
        {
            LayerParameter lp = layer.Param.Clone();
            lp.Blobs.Clear();
            foreach (Blob blob in layer.Blobs)
            {
                BlobProto proto = BlobProtoExtensions.Create(LongShape(blob), blob.Data);
                if (includeDiff)
                {
                    proto.Diff.AddRange(blob.Diff.ToArray());
                }
                lp.Blobs.Add(proto);
            }
            result.Layer.Add(lp);
        }
        return result;
    }

    /// <summary>
    /// Copies parameter data from a trained net by layer name (Caffe's CopyTrainedLayersFrom): layers the source lacks keep
    /// their values; source layers absent here are ignored. Every matched blob is checked before anything is written, so a
    /// mismatch leaves the net untouched.
    /// </summary>
    /// <exception cref="NetException">A matched layer has a different number of blobs or a blob of another shape (names the layer and both shapes).</exception>
    public void CopyTrainedLayersFrom(NetParameter trained)
    {
        var plan = new List<(Blob Target, BlobProto Source)>();
        foreach (LayerParameter source in trained.Layer)
        {
            if (!_layerIndex.TryGetValue(source.Name, out int i) || source.Blobs.Count == 0)
            {
                continue;
            }
            Layer target = _layers[i];
            if (target.Blobs.Count != source.Blobs.Count)
            {
                throw new NetException($"Cannot copy weights into layer '{source.Name}': the file has {source.Blobs.Count} blob(s), the net has {target.Blobs.Count}.");
            }
            for (int k = 0; k < source.Blobs.Count; k++)
            {
                long[] shape = source.Blobs[k].GetShape();
                if (!source.Blobs[k].ShapeMatches(LongShape(target.Blobs[k])))
                {
                    throw new NetException(
                        $"Cannot copy weights into layer '{source.Name}' blob {k}: shape in the file is {string.Join(" ", shape)}, " +
                        $"in the net {Blob.Format(target.Blobs[k].Shape)}. Rename the layer to initialise it afresh.");
                }
                long count = source.Blobs[k].StoredDataCount();
                if (count != target.Blobs[k].Count)
                {
                    throw new NetException($"Cannot copy weights into layer '{source.Name}' blob {k}: the file holds {count} values for a blob of {target.Blobs[k].Count}.");
                }
                plan.Add((target.Blobs[k], source.Blobs[k]));
            }
        }
        foreach ((Blob target, BlobProto source) in plan)
        {
            source.CopyDataTo(target.MutableData);
        }
    }

    private static long[] LongShape(Blob blob)
    {
        var shape = new long[blob.NumAxes];
        for (int i = 0; i < shape.Length; i++)
        {
            shape[i] = blob.Shape[i];
        }
        return shape;
    }
}
