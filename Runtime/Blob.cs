using System.Text;
using Engine.Memory;

namespace Engine;

/// <summary>
/// An N-D array of floats (row-major) holding <c>data</c> and its gradient <c>diff</c> of the same shape,
/// the unit that layers read and write. Storage belongs to a <see cref="Backend"/> and is synced lazily
/// between host and device (<see cref="SyncedMemory"/>). Reshaping keeps the capacity: memory only grows.
/// </summary>
public sealed class Blob : IDisposable
{
    /// <summary>Caffe's limit on the number of axes.</summary>
    public const int MaxAxes = 32;

    private int[] _shape = [];
    private SyncedMemory? _data;
    private SyncedMemory? _diff;
    private bool _ownsData = true;
    private bool _ownsDiff = true;
    private long _capacity;

    /// <summary>Creates an empty blob (no axes, count 1 once shaped) on the given backend (CPU by default).</summary>
    public Blob(string name = "", Backend? backend = null)
    {
        Name = name;
        Backend = backend ?? Backend.Cpu;
    }

    /// <summary>Creates a blob with the given shape.</summary>
    public Blob(ReadOnlySpan<int> shape, string name = "", Backend? backend = null)
        : this(name, backend)
    {
        Reshape(shape);
    }

    /// <summary>Creates a blob with the given shape.</summary>
    public Blob(params int[] shape)
        : this((ReadOnlySpan<int>)shape)
    {
    }

    /// <summary>Name used in error messages and lookups (the blob's name in the net).</summary>
    public string Name { get; set; }

    /// <summary>The backend whose memory this blob uses.</summary>
    public Backend Backend { get; }

    /// <summary>The shape, one entry per axis.</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>The shape as a new array (for APIs that need one; allocates).</summary>
    public int[] ShapeArray => (int[])_shape.Clone();

    /// <summary>Number of axes.</summary>
    public int NumAxes => _shape.Length;

    /// <summary>Number of elements (product of the shape; 1 for zero axes).</summary>
    public int Count { get; private set; } = 1;

    /// <summary>Capacity in floats: the largest count this blob has held.</summary>
    public long Capacity => _capacity;

    /// <summary>The storage of <c>data</c> (for backends and sharing).</summary>
    public SyncedMemory DataMemory => _data ??= NewMemory();

    /// <summary>The storage of <c>diff</c>.</summary>
    public SyncedMemory DiffMemory => _diff ??= NewMemory();

    /// <summary>Values for reading (synced to the host if needed).</summary>
    public ReadOnlySpan<float> Data => DataMemory.HostData[..Count];

    /// <summary>Values for writing on the host.</summary>
    public Span<float> MutableData => DataMemory.MutableHostData[..Count];

    /// <summary>Gradient for reading (synced to the host if needed).</summary>
    public ReadOnlySpan<float> Diff => DiffMemory.HostData[..Count];

    /// <summary>Gradient for writing on the host.</summary>
    public Span<float> MutableDiff => DiffMemory.MutableHostData[..Count];

    /// <summary>Size of one axis; negative indices count from the end.</summary>
    public int ShapeAt(int axis) => _shape[CanonicalAxisIndex(axis)];

    /// <summary>Legacy accessor: size of axis 0, or 1 when the blob has fewer axes.</summary>
    public int Num => LegacyShape(0);

    /// <summary>Legacy accessor: size of axis 1, or 1.</summary>
    public int Channels => LegacyShape(1);

    /// <summary>Legacy accessor: size of axis 2, or 1.</summary>
    public int Height => LegacyShape(2);

    /// <summary>Legacy accessor: size of axis 3, or 1.</summary>
    public int Width => LegacyShape(3);

    private int LegacyShape(int index)
    {
        if (NumAxes > 4)
        {
            throw new InvalidOperationException($"Blob '{Name}': legacy accessors need at most 4 axes, shape is {ShapeString}.");
        }
        return index < NumAxes ? _shape[index] : 1;
    }

    /// <summary>Turns a possibly negative axis index into one in [0, NumAxes).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The index is outside [-NumAxes, NumAxes).</exception>
    public int CanonicalAxisIndex(int axis)
    {
        if (axis < -NumAxes || axis >= NumAxes)
        {
            throw new ArgumentOutOfRangeException(nameof(axis),
                $"Blob '{Name}': axis {axis} is out of range for a {NumAxes}-axis blob of shape {ShapeString}.");
        }
        return axis < 0 ? axis + NumAxes : axis;
    }

    /// <summary>Product of the sizes of axes [start, end).</summary>
    public int CountRange(int start, int end)
    {
        if (start < 0 || end > NumAxes || start > end)
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"Blob '{Name}': axis range [{start}, {end}) is invalid for shape {ShapeString}.");
        }
        int count = 1;
        for (int i = start; i < end; i++)
        {
            count *= _shape[i];
        }
        return count;
    }

    /// <summary>Product of the sizes of axes [start, NumAxes).</summary>
    public int CountFrom(int start) => CountRange(start, NumAxes);

    /// <summary>Flat offset of an index (missing trailing indices are 0).</summary>
    public int Offset(ReadOnlySpan<int> index)
    {
        if (index.Length > NumAxes)
        {
            throw new ArgumentException($"Blob '{Name}': index has {index.Length} entries but the blob has {NumAxes} axes.");
        }
        int offset = 0;
        for (int i = 0; i < NumAxes; i++)
        {
            offset *= _shape[i];
            if (i < index.Length)
            {
                if ((uint)index[i] >= (uint)_shape[i])
                {
                    throw new ArgumentOutOfRangeException(nameof(index), $"Blob '{Name}': index {index[i]} on axis {i} is outside [0, {_shape[i]}).");
                }
                offset += index[i];
            }
        }
        return offset;
    }

    /// <summary>Flat offset of (n, c, h, w) in a blob of up to 4 axes.</summary>
    public int Offset(int n, int c = 0, int h = 0, int w = 0) => ((n * Channels + c) * Height + h) * Width + w;

    /// <summary>Changes the shape. Memory is reused when the new count fits in the capacity.</summary>
    /// <exception cref="ArgumentException">Too many axes, a negative dimension, or a count that overflows.</exception>
    public void Reshape(ReadOnlySpan<int> shape)
    {
        // Same shape: nothing to do, and nothing allocated (layers reshape on every forward).
        if (shape.SequenceEqual(_shape))
        {
            return;
        }
        if (shape.Length > MaxAxes)
        {
            throw new ArgumentException($"Blob '{Name}': {shape.Length} axes exceed the limit of {MaxAxes}.");
        }
        long count = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] < 0)
            {
                throw new ArgumentException($"Blob '{Name}': dimension {i} is negative in shape {Format(shape)}.");
            }
            count *= shape[i];
            if (count > int.MaxValue)
            {
                throw new ArgumentException($"Blob '{Name}': shape {Format(shape)} has more than {int.MaxValue} elements.");
            }
        }
        if (_shape.Length != shape.Length)
        {
            _shape = new int[shape.Length];
        }
        shape.CopyTo(_shape);
        Count = (int)count;
        if (count > _capacity)
        {
            _capacity = count;
            ReleaseMemory();
        }
    }

    /// <summary>Changes the shape.</summary>
    public void Reshape(params int[] shape) => Reshape((ReadOnlySpan<int>)shape);

    /// <summary>Takes the shape of another blob.</summary>
    public void ReshapeLike(Blob other) => Reshape(other.Shape);

    /// <summary>True when the shapes are identical.</summary>
    public bool ShapeEquals(Blob other) => Shape.SequenceEqual(other.Shape);

    /// <summary>Makes this blob read and write <paramref name="other"/>'s data (same count required).</summary>
    public void ShareData(Blob other)
    {
        if (Count != other.Count)
        {
            throw new ArgumentException($"Blob '{Name}' (shape {ShapeString}) cannot share data with '{other.Name}' (shape {other.ShapeString}): counts differ.");
        }
        if (_ownsData)
        {
            _data?.Dispose();
        }
        _data = other.DataMemory;
        _ownsData = false;
    }

    /// <summary>Makes this blob read and write <paramref name="other"/>'s diff (same count required).</summary>
    public void ShareDiff(Blob other)
    {
        if (Count != other.Count)
        {
            throw new ArgumentException($"Blob '{Name}' (shape {ShapeString}) cannot share diff with '{other.Name}' (shape {other.ShapeString}): counts differ.");
        }
        if (_ownsDiff)
        {
            _diff?.Dispose();
        }
        _diff = other.DiffMemory;
        _ownsDiff = false;
    }

    /// <summary>Copies data (or diff) from another blob, reshaping this one if <paramref name="reshape"/> is set.</summary>
    public void CopyFrom(Blob source, bool copyDiff = false, bool reshape = false)
    {
        if (!ShapeEquals(source))
        {
            if (!reshape)
            {
                throw new ArgumentException($"Blob '{Name}': cannot copy from '{source.Name}': shape {source.ShapeString} differs from {ShapeString}.");
            }
            ReshapeLike(source);
        }
        if (copyDiff)
        {
            source.Diff.CopyTo(MutableDiff);
        }
        else
        {
            source.Data.CopyTo(MutableData);
        }
    }

    /// <summary>data -= diff (the plain parameter update).</summary>
    public void Update() => System.Numerics.Tensors.TensorPrimitives.Subtract(Data, Diff, MutableData);

    /// <summary>Sum of absolute values of data.</summary>
    public float AsumData() => System.Numerics.Tensors.TensorPrimitives.SumOfMagnitudes(Data);

    /// <summary>Sum of absolute values of diff.</summary>
    public float AsumDiff() => System.Numerics.Tensors.TensorPrimitives.SumOfMagnitudes(Diff);

    /// <summary>Sum of squares of data.</summary>
    public float SumSquaresData() => System.Numerics.Tensors.TensorPrimitives.SumOfSquares(Data);

    /// <summary>Sum of squares of diff.</summary>
    public float SumSquaresDiff() => System.Numerics.Tensors.TensorPrimitives.SumOfSquares(Diff);

    /// <summary>Multiplies data by a scalar.</summary>
    public void ScaleData(float factor) => System.Numerics.Tensors.TensorPrimitives.Multiply(Data, factor, MutableData);

    /// <summary>Multiplies diff by a scalar.</summary>
    public void ScaleDiff(float factor) => System.Numerics.Tensors.TensorPrimitives.Multiply(Diff, factor, MutableDiff);

    /// <summary>The shape as text, e.g. <c>64 1 28 28 (50176)</c>.</summary>
    public string ShapeString => Format(_shape) + $" ({Count})";

    /// <summary>Formats a shape as <c>a×b×c</c>-style text (<c>64 1 28 28</c>).</summary>
    public static string Format(ReadOnlySpan<int> shape)
    {
        if (shape.Length == 0)
        {
            return "[]";
        }
        var sb = new StringBuilder();
        for (int i = 0; i < shape.Length; i++)
        {
            if (i > 0)
            {
                sb.Append(' ');
            }
            sb.Append(shape[i]);
        }
        return sb.ToString();
    }

    private SyncedMemory NewMemory() => new(Math.Max(_capacity, Count), Backend.DeviceAllocator);

    private void ReleaseMemory()
    {
        if (_ownsData)
        {
            _data?.Dispose();
        }
        if (_ownsDiff)
        {
            _diff?.Dispose();
        }
        _data = null;
        _diff = null;
        _ownsData = true;
        _ownsDiff = true;
    }

    /// <summary>Releases the blob's own memory (shared memory stays with its owner).</summary>
    public void Dispose() => ReleaseMemory();

    /// <inheritdoc />
    public override string ToString() => $"{Name} [{ShapeString}]";
}
