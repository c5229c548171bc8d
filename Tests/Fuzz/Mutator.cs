using System.Text;

namespace Engine.Fuzz;

/// <summary>
/// Produces malformed variants of valid inputs: bit flips, interesting bytes, deleted, duplicated and spliced ranges,
/// dictionary tokens and deep nesting. Seeded, so a failing input can be reproduced from (seed, index).
/// </summary>
internal sealed class Mutator
{
    private static readonly string[] Tokens =
    [
        "{", "}", "<", ">", "[", "]", ":", ",", ";", "\"", "'", "#", "\\", "\n", "-", ".", "e", "E", "inf", "-inf", "nan",
        "0x", "0x7FFFFFFF", "1e999", "-1e-999", "99999999999999999999", "4294967296", "-2147483649", "1.0f", "true", "t",
        "layer {", "layers {", "name: ", "type: ", "bottom: ", "top: ", "dim: ", "shape {", "num_output: ", "blobs {",
        "\\x", "\\777", "\"\"\"", "phase: TRAIN", "include { phase: TEST }", "convolution_param {", "kernel_size: 0",
    ];

    private readonly EngineRandom _random;

    public Mutator(ulong seed) => _random = new EngineRandom(seed);

    /// <summary>A mutated copy of <paramref name="input"/> (1–4 mutations), possibly spliced with <paramref name="other"/>.</summary>
    public byte[] Mutate(byte[] input, byte[] other, bool text)
    {
        var data = new List<byte>(input);
        int count = 1 + _random.NextInt(4);
        for (int m = 0; m < count; m++)
        {
            Apply(data, other, text);
        }
        return data.ToArray();
    }

    private void Apply(List<byte> data, byte[] other, bool text)
    {
        int choice = _random.NextInt(text ? 9 : 7);
        if (data.Count == 0)
        {
            data.Add((byte)_random.NextInt(256));
            return;
        }
        int at = _random.NextInt(data.Count);
        switch (choice)
        {
            case 0:
                data[at] ^= (byte)(1 << _random.NextInt(8));
                break;
            case 1:
                data[at] = (byte)_random.NextInt(256);
                break;
            case 2:
            {
                int len = Math.Min(data.Count - at, 1 + _random.NextInt(64));
                data.RemoveRange(at, len);
                break;
            }
            case 3:
            {
                int len = Math.Min(data.Count - at, 1 + _random.NextInt(64));
                data.InsertRange(_random.NextInt(data.Count), data.GetRange(at, len));
                break;
            }
            case 4:
            {
                // Splice: a range of another valid input.
                int from = _random.NextInt(Math.Max(1, other.Length));
                int len = Math.Min(other.Length - from, 1 + _random.NextInt(128));
                if (len > 0)
                {
                    data.InsertRange(at, other.AsSpan(from, len).ToArray());
                }
                break;
            }
            case 5:
                data.RemoveRange(at, data.Count - at); // truncation
                break;
            case 6:
            {
                // Interesting integers in binary: lengths and varints that claim huge sizes.
                byte[] big = [0xFF, 0xFF, 0xFF, 0xFF, 0x0F];
                data.InsertRange(at, big.AsSpan(0, 1 + _random.NextInt(big.Length)).ToArray());
                break;
            }
            case 7:
                data.InsertRange(at, Encoding.UTF8.GetBytes(Tokens[_random.NextInt(Tokens.Length)]));
                break;
            default:
            {
                // Deep nesting: many unclosed or balanced braces.
                int depth = 1 + _random.NextInt(_random.NextInt(2) == 0 ? 200 : 20000);
                var nest = new StringBuilder();
                for (int i = 0; i < depth; i++)
                {
                    nest.Append("layer { ");
                }
                if (_random.NextInt(2) == 0)
                {
                    nest.Append('}', depth);
                }
                data.InsertRange(at, Encoding.UTF8.GetBytes(nest.ToString()));
                break;
            }
        }
    }
}
