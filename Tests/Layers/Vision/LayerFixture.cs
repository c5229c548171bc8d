using System.Text.Json;
using NUnit.Framework;

namespace Engine.Tests.Layers.Vision;

/// <summary>
/// A reference case written by Tests/Fixtures/Layers/make_vision_fixtures.py (PyTorch): a config object and named
/// arrays (shape + row-major data, already in Caffe's layout).
/// </summary>
internal sealed class LayerFixture
{
    private readonly Dictionary<string, (int[] Shape, float[] Data)> _arrays = [];

    private LayerFixture(JsonElement config) => Config = config;

    public JsonElement Config { get; }

    public static LayerFixture Load(string name)
    {
        string path = Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", "Layers", name + ".json");
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
        var fixture = new LayerFixture(doc.RootElement.GetProperty("config").Clone());
        foreach (JsonProperty array in doc.RootElement.GetProperty("arrays").EnumerateObject())
        {
            int[] shape = array.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            float[] data = array.Value.GetProperty("data").EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();
            fixture._arrays[array.Name] = (shape, data);
        }
        return fixture;
    }

    public int[] Shape(string name) => _arrays[name].Shape;

    public float[] Data(string name) => _arrays[name].Data;

    public bool Has(string name) => _arrays.ContainsKey(name);

    public int Int(string key) => Config.GetProperty(key).GetInt32();

    public float Float(string key) => (float)Config.GetProperty(key).GetDouble();

    public bool Bool(string key) => Config.GetProperty(key).GetBoolean();

    public string String(string key) => Config.GetProperty(key).GetString()!;

    public uint[] UInts(string key) => Config.GetProperty(key).EnumerateArray().Select(e => (uint)e.GetInt32()).ToArray();

    /// <summary>A new blob holding the named array.</summary>
    public Blob Blob(string name)
    {
        (int[] shape, float[] data) = _arrays[name];
        var blob = new Blob(shape, name);
        data.CopyTo(blob.MutableData);
        return blob;
    }

    /// <summary>Asserts that <paramref name="actual"/> equals the named array within 1e-4 relative (floor 1 on the scale).</summary>
    public void AssertClose(string name, ReadOnlySpan<float> actual, string what, double tolerance = 1e-4)
    {
        float[] expected = _arrays[name].Data;
        Assert.That(actual.Length, Is.EqualTo(expected.Length), $"{what}: element count");
        double worst = 0;
        int worstIndex = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]) / Math.Max(1.0, Math.Abs(expected[i]));
            if (double.IsNaN(actual[i]) || error > worst)
            {
                worst = double.IsNaN(actual[i]) ? double.PositiveInfinity : error;
                worstIndex = i;
            }
        }
        Assert.That(worst, Is.LessThanOrEqualTo(tolerance),
            $"{what} differs from '{name}' at element {worstIndex}: got {(worstIndex >= 0 ? actual[worstIndex] : 0)}, expected {(worstIndex >= 0 ? expected[worstIndex] : 0)}.");
    }
}
