using System.Globalization;
using Engine.Proto;

namespace Engine.Formats;

/// <summary>Shape and data helpers for <see cref="BlobProto"/>, covering the legacy 4-D num/channels/height/width form.</summary>
public static class BlobProtoExtensions
{
    /// <summary>
    /// Whether the blob states its shape with the legacy <c>num/channels/height/width</c> fields (any of them set),
    /// which then take precedence over <c>shape</c>, as in Caffe.
    /// </summary>
    public static bool HasLegacyShape(this BlobProto blob)
    {
        ArgumentNullException.ThrowIfNull(blob);
        return blob.HasNum || blob.HasChannels || blob.HasHeight || blob.HasWidth;
    }

    /// <summary>
    /// The blob's shape: <c>(num, channels, height, width)</c> for legacy blobs (unset legacy fields read 0),
    /// otherwise <c>shape.dim</c> (no <c>shape</c> at all means a scalar: zero axes).
    /// </summary>
    public static long[] GetShape(this BlobProto blob)
    {
        ArgumentNullException.ThrowIfNull(blob);
        if (blob.HasLegacyShape())
        {
            return [blob.Num, blob.Channels, blob.Height, blob.Width];
        }

        return blob.Shape is null ? [] : [.. blob.Shape.Dim];
    }

    /// <summary>Number of elements of a shape (1 for zero axes).</summary>
    /// <exception cref="OverflowException">The product does not fit in 64 bits.</exception>
    public static long ElementCount(ReadOnlySpan<long> shape)
    {
        long count = 1;
        foreach (long d in shape)
        {
            count = checked(count * d);
        }

        return count;
    }

    /// <summary>Number of stored data values: <c>double_data</c> when non-empty, else <c>data</c> (Caffe's rule).</summary>
    public static int StoredDataCount(this BlobProto blob)
    {
        ArgumentNullException.ThrowIfNull(blob);
        return blob.DoubleData.Count > 0 ? blob.DoubleData.Count : blob.Data.Count;
    }

    /// <summary>
    /// Checks that the stored data count equals the shape's element count.
    /// </summary>
    /// <param name="blob">The blob to check.</param>
    /// <param name="problem">When invalid: a description naming the shape and both counts.</param>
    public static bool TryValidate(this BlobProto blob, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(blob);
        long[] shape = blob.GetShape();
        long expected;
        try
        {
            expected = ElementCount(shape);
        }
        catch (OverflowException)
        {
            problem = $"shape {FormatShape(shape)} has too many elements";
            return false;
        }

        if (shape.Any(d => d < 0))
        {
            problem = $"shape {FormatShape(shape)} has a negative dimension";
            return false;
        }

        int stored = blob.StoredDataCount();
        if (stored != expected)
        {
            string which = blob.DoubleData.Count > 0 ? "double_data" : "data";
            problem = $"shape {FormatShape(shape)} needs {expected} values but {which} holds {stored}";
            return false;
        }

        problem = null;
        return true;
    }

    /// <summary>
    /// Caffe's rule for loading a stored blob into a target of <paramref name="target"/> shape: a legacy blob
    /// matches when the target has at most 4 axes and, padded with leading 1s to 4 axes, equals
    /// (num, channels, height, width) — so legacy (1,1,500,800) matches (500,800); otherwise shapes must be identical.
    /// </summary>
    public static bool ShapeMatches(this BlobProto blob, ReadOnlySpan<long> target)
    {
        ArgumentNullException.ThrowIfNull(blob);
        if (blob.HasLegacyShape())
        {
            return target.Length <= 4 && ShapesEqualRightAligned(blob.GetShape(), target);
        }

        return target.SequenceEqual(blob.GetShape());
    }

    /// <summary>Compares shapes right-aligned, padding the shorter one with leading 1s: (1,1,3,4) equals (3,4).</summary>
    public static bool ShapesEqualRightAligned(ReadOnlySpan<long> a, ReadOnlySpan<long> b)
    {
        int n = Math.Max(a.Length, b.Length);
        for (int i = 0; i < n; i++)
        {
            long da = i < n - a.Length ? 1 : a[i - (n - a.Length)];
            long db = i < n - b.Length ? 1 : b[i - (n - b.Length)];
            if (da != db)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Formats a shape for messages, e.g. <c>(64, 3, 7, 7)</c>.</summary>
    public static string FormatShape(ReadOnlySpan<long> shape)
    {
        var parts = new string[shape.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            parts[i] = shape[i].ToString(CultureInfo.InvariantCulture);
        }

        return "(" + string.Join(", ", parts) + ")";
    }

    /// <summary>Copies the stored values (double_data when present, else data) into <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException">The destination length differs from the stored count.</exception>
    public static void CopyDataTo(this BlobProto blob, Span<float> destination)
    {
        CheckLength(blob, destination.Length);
        if (blob.DoubleData.Count > 0)
        {
            for (int i = 0; i < destination.Length; i++)
            {
                destination[i] = (float)blob.DoubleData[i];
            }
        }
        else
        {
            for (int i = 0; i < destination.Length; i++)
            {
                destination[i] = blob.Data[i];
            }
        }
    }

    /// <summary>Copies the stored values (double_data when present, else data) into <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException">The destination length differs from the stored count.</exception>
    public static void CopyDataTo(this BlobProto blob, Span<double> destination)
    {
        CheckLength(blob, destination.Length);
        if (blob.DoubleData.Count > 0)
        {
            for (int i = 0; i < destination.Length; i++)
            {
                destination[i] = blob.DoubleData[i];
            }
        }
        else
        {
            for (int i = 0; i < destination.Length; i++)
            {
                destination[i] = blob.Data[i];
            }
        }
    }

    /// <summary>Creates a blob in the current layout: <c>shape</c> plus float <c>data</c>.</summary>
    public static BlobProto Create(ReadOnlySpan<long> shape, ReadOnlySpan<float> data)
    {
        var blob = new BlobProto { Shape = new BlobShape() };
        foreach (long d in shape)
        {
            blob.Shape.Dim.Add(d);
        }

        foreach (float v in data)
        {
            blob.Data.Add(v);
        }

        return blob;
    }

    /// <summary>Creates a blob in the current layout with double-precision <c>double_data</c>.</summary>
    public static BlobProto CreateDouble(ReadOnlySpan<long> shape, ReadOnlySpan<double> data)
    {
        var blob = new BlobProto { Shape = new BlobShape() };
        foreach (long d in shape)
        {
            blob.Shape.Dim.Add(d);
        }

        foreach (double v in data)
        {
            blob.DoubleData.Add(v);
        }

        return blob;
    }

    private static void CheckLength(BlobProto blob, int length)
    {
        ArgumentNullException.ThrowIfNull(blob);
        int stored = blob.StoredDataCount();
        if (stored != length)
        {
            throw new ArgumentException($"blob {FormatShape(blob.GetShape())} stores {stored} values but the destination holds {length}");
        }
    }
}
