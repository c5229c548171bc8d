using System.Numerics;

namespace Engine;

/// <summary>
/// A small, fast, seedable generator (xoshiro128**) whose whole state can be saved and restored, so that
/// training resumes bit for bit. Each Net owns one; there is no global RNG.
/// </summary>
public sealed class EngineRandom
{
    private uint _s0, _s1, _s2, _s3;
    private float? _spareGaussian;

    /// <summary>Creates a generator from a 64-bit seed.</summary>
    public EngineRandom(ulong seed) => Reseed(seed);

    /// <summary>Resets the state from a seed (splitmix64 expands it so nearby seeds give unrelated streams).</summary>
    public void Reseed(ulong seed)
    {
        ulong x = seed;
        ulong a = SplitMix(ref x), b = SplitMix(ref x);
        _s0 = (uint)a;
        _s1 = (uint)(a >> 32);
        _s2 = (uint)b;
        _s3 = (uint)(b >> 32);
        if ((_s0 | _s1 | _s2 | _s3) == 0)
        {
            _s0 = 1;
        }
        _spareGaussian = null;
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Next 32 random bits.</summary>
    public uint NextUInt()
    {
        uint result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        uint t = _s1 << 9;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 11);
        return result;
    }

    /// <summary>Uniform float in [0, 1).</summary>
    public float NextFloat() => (NextUInt() >> 8) * (1f / (1 << 24));

    /// <summary>Uniform float in [min, max).</summary>
    public float NextFloat(float min, float max) => min + (max - min) * NextFloat();

    /// <summary>Uniform integer in [0, bound).</summary>
    public int NextInt(int bound)
    {
        if (bound <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(bound));
        }
        return (int)(((ulong)NextUInt() * (ulong)bound) >> 32);
    }

    /// <summary>Standard normal sample (Box–Muller; the second value of each pair is kept for the next call).</summary>
    public float NextGaussian()
    {
        if (_spareGaussian is float spare)
        {
            _spareGaussian = null;
            return spare;
        }
        double u1 = (NextUInt() + 1.0) / 4294967297.0;
        double u2 = NextUInt() / 4294967296.0;
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        _spareGaussian = (float)(r * Math.Sin(2 * Math.PI * u2));
        return (float)(r * Math.Cos(2 * Math.PI * u2));
    }

    /// <summary>Normal sample with the given mean and standard deviation.</summary>
    public float NextGaussian(float mean, float std) => mean + std * NextGaussian();

    /// <summary>True with probability <paramref name="p"/>.</summary>
    public bool NextBernoulli(float p) => NextFloat() < p;

    /// <summary>The whole state, to be stored in a snapshot.</summary>
    public ulong[] GetState() => [_s0, _s1, _s2, _s3, _spareGaussian is float f ? 1UL | ((ulong)BitConverter.SingleToUInt32Bits(f) << 32) : 0UL];

    /// <summary>Restores a state returned by <see cref="GetState"/>.</summary>
    public void SetState(ReadOnlySpan<ulong> state)
    {
        if (state.Length != 5)
        {
            throw new ArgumentException("An EngineRandom state has 5 words.", nameof(state));
        }
        _s0 = (uint)state[0];
        _s1 = (uint)state[1];
        _s2 = (uint)state[2];
        _s3 = (uint)state[3];
        _spareGaussian = (state[4] & 1) != 0 ? BitConverter.UInt32BitsToSingle((uint)(state[4] >> 32)) : null;
    }
}
