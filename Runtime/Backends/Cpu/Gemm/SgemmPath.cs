using System.Runtime.Intrinsics.X86;

namespace Engine.Backends.Cpu;

/// <summary>The instruction-set path SGEMM runs on.</summary>
internal enum SgemmPath
{
    /// <summary>Pick the widest path the CPU supports.</summary>
    Auto,
    /// <summary>AVX-512F micro-kernel (6×32).</summary>
    Avx512,
    /// <summary>AVX2 + FMA micro-kernel (6×16).</summary>
    Avx2,
    /// <summary>Vector128 micro-kernel (4×8) and scalar GEMV loops, for every other CPU.</summary>
    Portable,
}

/// <summary>Resolves which <see cref="SgemmPath"/> runs; tests force narrower paths to cover them on a wide CPU.</summary>
internal static class SgemmPathSelector
{
    private static SgemmPath _forced = SgemmPath.Auto;

    /// <summary>Path forced for every call in the process, or <see cref="SgemmPath.Auto"/>. A path the CPU lacks is refused.</summary>
    public static SgemmPath Forced
    {
        get => _forced;
        set
        {
            if (!IsSupported(value))
                throw new PlatformNotSupportedException($"SGEMM path {value} is not supported by this CPU.");
            _forced = value;
        }
    }

    public static SgemmPath Current => _forced != SgemmPath.Auto ? _forced : Best;

    private static SgemmPath Best { get; } =
        Avx512F.IsSupported ? SgemmPath.Avx512 : Fma.IsSupported && Avx2.IsSupported ? SgemmPath.Avx2 : SgemmPath.Portable;

    public static bool IsSupported(SgemmPath path) => path switch
    {
        SgemmPath.Avx512 => Avx512F.IsSupported,
        SgemmPath.Avx2 => Fma.IsSupported && Avx2.IsSupported,
        _ => true,
    };
}
