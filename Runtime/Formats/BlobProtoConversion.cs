using Engine.Proto;

namespace Engine;

/// <summary>Converts between <see cref="Blob"/> and <see cref="BlobProto"/> (current <c>shape</c> or legacy 4-D dims, float or double data).</summary>
public static class BlobProtoConversion
{
    /// <summary>A BlobProto with the blob's shape and data (and diff when asked).</summary>
    public static BlobProto ToProto(Blob blob, bool includeDiff = false)
    {
        var proto = new BlobProto { Shape = new BlobShape() };
        foreach (int d in blob.Shape)
        {
            proto.Shape.Dim.Add(d);
        }
        proto.Data.AddRange(blob.Data.ToArray());
        if (includeDiff)
        {
            proto.Diff.AddRange(blob.Diff.ToArray());
        }
        return proto;
    }

    /// <summary>The shape a BlobProto declares: <c>shape</c> if present, else legacy (num, channels, height, width).</summary>
    public static long[] ShapeOf(BlobProto proto)
    {
        if (proto.HasNum || proto.HasChannels || proto.HasHeight || proto.HasWidth)
        {
            return [proto.Num, proto.Channels, proto.Height, proto.Width];
        }
        return proto.Shape is null ? [] : proto.Shape.Dim.ToArray();
    }

    /// <summary>Number of values stored (double data wins when present).</summary>
    public static long ValueCount(BlobProto proto) => proto.DoubleData.Count > 0 ? proto.DoubleData.Count : proto.Data.Count;

    /// <summary>
    /// True when the shapes match, comparing right-aligned with leading 1s (a legacy 1×1×500×800 blob matches a 500×800 weight).
    /// </summary>
    public static bool ShapesMatch(ReadOnlySpan<long> file, ReadOnlySpan<int> net)
    {
        int n = Math.Max(file.Length, net.Length);
        for (int i = 0; i < n; i++)
        {
            long a = i < n - file.Length ? 1 : file[i - (n - file.Length)];
            long b = i < n - net.Length ? 1 : net[i - (n - net.Length)];
            if (a != b)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Copies the stored values into <paramref name="destination"/> (double data converted to float).</summary>
    public static void CopyData(BlobProto proto, Span<float> destination)
    {
        if (proto.DoubleData.Count > 0)
        {
            for (int i = 0; i < destination.Length; i++)
            {
                destination[i] = (float)proto.DoubleData[i];
            }
        }
        else
        {
            for (int i = 0; i < destination.Length; i++)
            {
                destination[i] = proto.Data[i];
            }
        }
    }
}
