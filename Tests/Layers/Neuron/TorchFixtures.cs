using System.Text.Json;
using NUnit.Framework;

namespace Engine.Tests.Layers;

/// <summary>
/// Reads Tests/Fixtures/Layers/neuron_loss_fixtures.json, written by make_neuron_loss_fixtures.py with PyTorch 1.13
/// (float64 math on float32 inputs). Each case is a JSON object of named arrays and a <c>params</c> object.
/// </summary>
internal static class TorchFixtures
{
    private static readonly Lazy<Dictionary<string, JsonElement>> Cases = new(Load);

    /// <summary>The case called <paramref name="name"/>.</summary>
    public static JsonElement Case(string name)
    {
        Assert.That(Cases.Value.ContainsKey(name), Is.True, $"fixture case '{name}' is missing; rerun make_neuron_loss_fixtures.py");
        return Cases.Value[name];
    }

    /// <summary>A named array of numbers as doubles.</summary>
    public static double[] Values(this JsonElement c, string key) => c.GetProperty(key).EnumerateArray().Select(e => e.GetDouble()).ToArray();

    /// <summary>A named array of integers (a shape).</summary>
    public static int[] Ints(this JsonElement c, string key) => c.GetProperty(key).EnumerateArray().Select(e => e.GetInt32()).ToArray();

    /// <summary>A blob with a named array's values, in the given shape.</summary>
    public static Blob Blob(this JsonElement c, string key, int[] shape)
    {
        var blob = new Blob(shape, key);
        double[] v = c.Values(key);
        Assert.That(v.Length, Is.EqualTo(blob.Count), $"fixture array '{key}' does not fit shape {Engine.Blob.Format(shape)}");
        for (int i = 0; i < v.Length; i++)
        {
            blob.MutableData[i] = (float)v[i];
        }
        return blob;
    }

    /// <summary>A parameter of the case.</summary>
    public static JsonElement Param(this JsonElement c, string key) => c.GetProperty("params").GetProperty(key);

    private static Dictionary<string, JsonElement> Load()
    {
        string path = Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", "Layers", "neuron_loss_fixtures.json");
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.GetProperty("cases").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c.Clone());
    }
}
