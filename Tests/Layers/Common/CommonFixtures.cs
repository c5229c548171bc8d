using System.Text.Json;
using Engine.Proto;
using NUnit.Framework;

namespace Engine.Tests.Layers.Common;

/// <summary>
/// Reference values written by Tests/Fixtures/Layers/make_common_fixtures.py (PyTorch, float64 from float32 inputs).
/// </summary>
internal static class CommonFixtures
{
    /// <summary>Relative tolerance of fixture comparisons (absolute for magnitudes below 1).</summary>
    public const double Tolerance = 1e-4;

    private static readonly Lazy<JsonElement> Cases = new(() =>
    {
        string path = Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", "Layers", "common_fixtures.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.GetProperty("cases").Clone();
    });

    /// <summary>One named case.</summary>
    public static FixtureCase Case(string name) => new(name, Cases.Value.GetProperty(name));

    /// <summary>A layer definition with a name derived from the type.</summary>
    public static LayerParameter Def(string type, Action<LayerParameter>? configure = null)
    {
        var p = new LayerParameter { Name = type.ToLowerInvariant() + "1", Type = type };
        configure?.Invoke(p);
        return p;
    }

    /// <summary>Asserts element-wise closeness to a reference.</summary>
    public static void AssertClose(ReadOnlySpan<float> actual, float[] expected, string what)
    {
        Assert.That(actual.Length, Is.EqualTo(expected.Length), $"{what}: element count");
        for (int i = 0; i < expected.Length; i++)
        {
            double tol = Tolerance * Math.Max(1.0, Math.Abs(expected[i]));
            if (Math.Abs(actual[i] - expected[i]) > tol)
            {
                Assert.Fail($"{what}: element {i} is {actual[i]:G7}, reference {expected[i]:G7} (tolerance {tol:G3}).");
            }
        }
    }
}

/// <summary>The tensors of one fixture case.</summary>
internal sealed class FixtureCase(string name, JsonElement element)
{
    /// <summary>Case name.</summary>
    public string Name { get; } = name;

    /// <summary>Shape of a tensor.</summary>
    public int[] Shape(string key) => element.GetProperty(key).GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();

    /// <summary>Values of a tensor (row-major).</summary>
    public float[] Values(string key) => element.GetProperty(key).GetProperty("data").EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();

    /// <summary>A new blob holding a tensor.</summary>
    public Blob Blob(string key)
    {
        var blob = new Blob(Shape(key), key);
        Values(key).CopyTo(blob.MutableData);
        return blob;
    }

    /// <summary>Asserts a blob's shape and data match a tensor.</summary>
    public void AssertData(Blob actual, string key)
    {
        Assert.That(actual.ShapeArray, Is.EqualTo(Shape(key)), $"{Name}/{key}: shape");
        CommonFixtures.AssertClose(actual.Data, Values(key), $"{Name}/{key}");
    }

    /// <summary>Asserts a blob's diff matches a tensor.</summary>
    public void AssertDiff(Blob actual, string key)
    {
        Assert.That(actual.ShapeArray, Is.EqualTo(Shape(key)), $"{Name}/{key}: shape");
        CommonFixtures.AssertClose(actual.Diff, Values(key), $"{Name}/{key}");
    }

    /// <summary>Writes a tensor into a blob's diff (an upstream gradient).</summary>
    public void SetDiff(Blob blob, string key) => Values(key).CopyTo(blob.MutableDiff);
}
