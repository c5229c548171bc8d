using Engine.Proto;

namespace Engine.Fillers;

/// <summary>
/// Initialises a blob from a <see cref="FillerParameter"/> (Caffe's filler types: constant, uniform, gaussian,
/// positive_unitball, xavier, msra, bilinear). Fan-in = count/shape[0], fan-out = count/shape[1].
/// </summary>
public static class Filler
{
    private static readonly string[] KnownTypes = ["constant", "uniform", "gaussian", "positive_unitball", "xavier", "msra", "bilinear"];

    // Shape-only net builds (NetOptions.ShapesOnly) must not touch parameter memory; nets are built on one thread.
    [ThreadStatic]
    private static int t_skipDepth;

    /// <summary>Fills <paramref name="blob"/>'s data as <paramref name="param"/> says (null: constant 0, Caffe's default).</summary>
    /// <exception cref="ArgumentException">Unknown filler type or invalid settings.</exception>
    public static void Fill(Blob blob, FillerParameter? param, EngineRandom random)
    {
        param ??= new FillerParameter();
        string type = param.Type;
        if (param.Sparse >= 0 && type != "gaussian")
        {
            throw new ArgumentException($"Filler '{type}' for blob '{blob.Name}': 'sparse' is only valid for the gaussian filler.");
        }
        if (t_skipDepth > 0)
        {
            if (Array.IndexOf(KnownTypes, type) < 0)
            {
                throw UnknownType(type, blob);
            }
            return;
        }
        Span<float> data = blob.MutableData;
        switch (type)
        {
            case "constant":
                data.Fill(param.Value);
                break;
            case "uniform":
                for (int i = 0; i < data.Length; i++)
                {
                    data[i] = random.NextFloat(param.Min, param.Max);
                }
                break;
            case "gaussian":
                Gaussian(blob, param, random, data);
                break;
            case "positive_unitball":
                PositiveUnitball(blob, random, data);
                break;
            case "xavier":
            {
                float a = MathF.Sqrt(3f / FanNorm(blob, param));
                for (int i = 0; i < data.Length; i++)
                {
                    data[i] = random.NextFloat(-a, a);
                }
                break;
            }
            case "msra":
            {
                float std = MathF.Sqrt(2f / FanNorm(blob, param));
                for (int i = 0; i < data.Length; i++)
                {
                    data[i] = random.NextGaussian(0f, std);
                }
                break;
            }
            case "bilinear":
                Bilinear(blob, data);
                break;
            default:
                throw UnknownType(type, blob);
        }
    }

    /// <summary>
    /// Until the returned scope is disposed, <see cref="Fill"/> on this thread validates its settings but leaves the
    /// blob's memory untouched (unallocated), so a net can be built for its shapes alone.
    /// </summary>
    internal static SkipScope SkipFilling()
    {
        t_skipDepth++;
        return new SkipScope();
    }

    /// <summary>Ends a <see cref="SkipFilling"/> scope.</summary>
    internal readonly struct SkipScope : IDisposable
    {
        /// <summary>Restores filling.</summary>
        public void Dispose() => t_skipDepth--;
    }

    private static ArgumentException UnknownType(string type, Blob blob)
        => new($"Unknown filler type '{type}' for blob '{blob.Name}'. Known: {string.Join(", ", KnownTypes)}.");

    private static float FanNorm(Blob blob, FillerParameter param)
    {
        if (blob.NumAxes < 1 || blob.Count == 0)
        {
            throw new ArgumentException($"Filler '{param.Type}' for blob '{blob.Name}' needs a non-empty blob with at least one axis, shape is {blob.ShapeString}.");
        }
        float fanIn = (float)blob.Count / blob.ShapeAt(0);
        float fanOut = blob.NumAxes > 1 ? (float)blob.Count / blob.ShapeAt(1) : blob.Count;
        return param.VarianceNorm switch
        {
            FillerParameter.Types.VarianceNorm.FanOut => fanOut,
            FillerParameter.Types.VarianceNorm.Average => (fanIn + fanOut) / 2f,
            _ => fanIn,
        };
    }

    private static void Gaussian(Blob blob, FillerParameter param, EngineRandom random, Span<float> data)
    {
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = random.NextGaussian(param.Mean, param.Std);
        }
        if (param.Sparse >= 0)
        {
            // Keep each weight with probability sparse/num_outputs so that each output sees about `sparse` inputs.
            int numOutputs = blob.ShapeAt(0);
            float keep = (float)param.Sparse / numOutputs;
            for (int i = 0; i < data.Length; i++)
            {
                if (!random.NextBernoulli(keep))
                {
                    data[i] = 0f;
                }
            }
        }
    }

    private static void PositiveUnitball(Blob blob, EngineRandom random, Span<float> data)
    {
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = random.NextFloat();
        }
        int num = blob.ShapeAt(0);
        int dim = blob.Count / num;
        for (int n = 0; n < num; n++)
        {
            Span<float> row = data.Slice(n * dim, dim);
            float sum = System.Numerics.Tensors.TensorPrimitives.Sum(row);
            System.Numerics.Tensors.TensorPrimitives.Divide(row, sum, row);
        }
    }

    private static void Bilinear(Blob blob, Span<float> data)
    {
        if (blob.NumAxes != 4 || blob.ShapeAt(2) != blob.ShapeAt(3))
        {
            throw new ArgumentException($"Bilinear filler for blob '{blob.Name}' needs a 4-D blob with square kernels, shape is {blob.ShapeString}.");
        }
        int k = blob.ShapeAt(3);
        float f = MathF.Ceiling(k / 2f);
        float c = (k - 1) / (2f * f);
        for (int i = 0; i < data.Length; i++)
        {
            float x = i % k;
            float y = (i / k) % k;
            data[i] = (1 - MathF.Abs(x / f - c)) * (1 - MathF.Abs(y / f - c));
        }
    }

    /// <summary>Convenience: a filler parameter of the given type.</summary>
    public static FillerParameter Of(string type) => new() { Type = type };

    /// <summary>Convenience: a constant filler.</summary>
    public static FillerParameter Constant(float value) => new() { Type = "constant", Value = value };

    /// <summary>Convenience: a gaussian filler.</summary>
    public static FillerParameter Gaussian(float std, float mean = 0f) => new() { Type = "gaussian", Std = std, Mean = mean };

    /// <summary>Convenience: a uniform filler.</summary>
    public static FillerParameter Uniform(float min, float max) => new() { Type = "uniform", Min = min, Max = max };

    /// <summary>Convenience: a xavier filler.</summary>
    public static FillerParameter Xavier() => new() { Type = "xavier" };

    /// <summary>Convenience: an msra filler.</summary>
    public static FillerParameter Msra() => new() { Type = "msra" };
}
