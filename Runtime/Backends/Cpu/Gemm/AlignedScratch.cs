using System.Runtime.CompilerServices;

namespace Engine.Backends.Cpu;

/// <summary>
/// A growable float buffer on the pinned object heap, aligned to 64 bytes (one cache line, one zmm load). It only grows, so
/// after the largest call has been seen no further allocation happens.
/// </summary>
internal sealed unsafe class AlignedScratch
{
    private const int AlignFloats = 16;
    private float[]? _array;
    private float* _aligned;
    private long _capacity;

    /// <summary>Returns a 64-byte-aligned pointer to at least <paramref name="count"/> floats, valid until the next larger request.</summary>
    public float* Get(long count)
    {
        if (count > _capacity) Grow(count);
        return _aligned;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow(long count)
    {
        long capacity = Math.Max(count, _capacity + _capacity / 2);
        if (capacity + AlignFloats > Array.MaxLength)
            throw new OutOfMemoryException($"SGEMM scratch of {count} floats exceeds the largest array.");
        _array = GC.AllocateUninitializedArray<float>((int)(capacity + AlignFloats), pinned: true);
        float* raw = (float*)Unsafe.AsPointer(ref _array[0]);
        _aligned = (float*)(((nint)raw + 63) & ~(nint)63);
        _capacity = capacity;
    }
}

/// <summary>Per-thread scratch for SGEMM: packed panels of A and B and a contiguous copy of a strided vector for the GEMV paths.</summary>
internal static class GemmScratch
{
    [ThreadStatic] private static AlignedScratch? _packedA;
    [ThreadStatic] private static AlignedScratch? _packedB;
    [ThreadStatic] private static AlignedScratch? _vector;

    public static AlignedScratch PackedA => _packedA ??= new AlignedScratch();
    public static AlignedScratch PackedB => _packedB ??= new AlignedScratch();
    public static AlignedScratch Vector => _vector ??= new AlignedScratch();
}
