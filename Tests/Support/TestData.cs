namespace Engine.Tests.Support;

/// <summary>Helpers to build blobs and layers for tests.</summary>
public static class TestData
{
    /// <summary>A blob of the given shape filled with seeded uniform values in [min, max).</summary>
    public static Blob Uniform(int[] shape, ulong seed, float min = -1f, float max = 1f, string name = "x")
    {
        var blob = new Blob(shape, name);
        var rng = new EngineRandom(seed);
        Span<float> d = blob.MutableData;
        for (int i = 0; i < d.Length; i++)
        {
            d[i] = rng.NextFloat(min, max);
        }
        return blob;
    }

    /// <summary>A blob holding the given values in the given shape.</summary>
    public static Blob Of(int[] shape, params float[] values)
    {
        var blob = new Blob(shape);
        values.CopyTo(blob.MutableData);
        return blob;
    }

    /// <summary>A blob of integer labels in [0, classes).</summary>
    public static Blob Labels(int count, int classes, ulong seed, string name = "label")
    {
        var blob = new Blob([count], name);
        var rng = new EngineRandom(seed);
        Span<float> d = blob.MutableData;
        for (int i = 0; i < count; i++)
        {
            d[i] = rng.NextInt(classes);
        }
        return blob;
    }

    /// <summary>Creates and sets up a layer from a definition using the built-in registry.</summary>
    public static Layer SetUp(Proto.LayerParameter param, Blob[] bottom, Blob[] top, ulong seed = 1)
    {
        if (!param.HasPhase)
        {
            param.Phase = Proto.Phase.Train;
        }
        Layer layer = Registry.Create(param);
        layer.Random = new EngineRandom(seed);
        layer.SetUp(bottom, top);
        return layer;
    }

    /// <summary>The built-in layer registry.</summary>
    public static LayerRegistry Registry { get; } = Microsoft.Extensions.DependencyInjection.EngineServices.CreateDefaultRegistry();
}
