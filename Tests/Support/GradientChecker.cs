using NUnit.Framework;

namespace Engine.Tests.Support;

/// <summary>
/// Numerical gradient check by central differences, as Caffe's GradientChecker: the objective is
/// J = Σ_t Σ_j c_tj·top_tj with fixed random coefficients c (the tops' diffs), the analytic gradient comes from
/// one Backward, and each checked element x is compared with (J(x+h) − J(x−h)) / 2h.
/// An element passes when |analytic − numeric| ≤ threshold · max(|analytic|, |numeric|, 1).
/// </summary>
public sealed class GradientChecker
{
    private readonly double _step;
    private readonly double _threshold;
    private readonly ulong _seed;
    private readonly double _kink;
    private readonly double _kinkRange;

    /// <param name="step">Finite-difference step h.</param>
    /// <param name="threshold">Relative tolerance (with a floor of 1 on the scale).</param>
    /// <param name="seed">Seed for the objective's coefficients and element sampling.</param>
    /// <param name="kink">A non-differentiable point (e.g. 0 for ReLU).</param>
    /// <param name="kinkRange">Elements with |x − kink| &lt; kinkRange are skipped; negative disables.</param>
    public GradientChecker(double step = 1e-2, double threshold = 1e-3, ulong seed = 1701, double kink = 0, double kinkRange = -1)
    {
        _step = step;
        _threshold = threshold;
        _seed = seed;
        _kink = kink;
        _kinkRange = kinkRange;
    }

    /// <summary>Checks at most this many elements per blob (a seeded random sample); null checks all.</summary>
    public int? MaxElementsPerBlob { get; init; }

    /// <summary>Number of elements compared in the last check.</summary>
    public int CheckedElements { get; private set; }

    /// <summary>
    /// Checks the gradients of the bottoms whose index is in <paramref name="bottomsToCheck"/> (null: all) and of every
    /// parameter blob. The layer must already be set up with these blobs.
    /// </summary>
    public void Check(Layer layer, Blob[] bottom, Blob[] top, int[]? bottomsToCheck = null, bool checkParams = true)
    {
        bottomsToCheck ??= Enumerable.Range(0, bottom.Length).ToArray();
        var rng = new EngineRandom(_seed);
        ulong[] layerRngState = layer.Random.GetState();

        // Analytic gradients.
        layer.Random.SetState(layerRngState);
        layer.Forward(bottom, top);
        var coefficients = new float[top.Length][];
        for (int t = 0; t < top.Length; t++)
        {
            coefficients[t] = new float[top[t].Count];
            for (int j = 0; j < coefficients[t].Length; j++)
            {
                coefficients[t][j] = rng.NextFloat(-1f, 1f);
            }
        }
        SetTopDiffs(top, coefficients);
        foreach (Blob p in layer.Blobs)
        {
            p.MutableDiff.Clear();
        }
        var propagate = new bool[bottom.Length];
        foreach (int b in bottomsToCheck)
        {
            propagate[b] = true;
        }
        foreach (Blob b in bottom)
        {
            b.MutableDiff.Fill(float.NaN); // a layer must write every element it claims to
        }
        layer.Backward(top, propagate, bottom);

        var targets = new List<(Blob Blob, string What, float[] Analytic)>();
        foreach (int b in bottomsToCheck)
        {
            targets.Add((bottom[b], $"bottom {b} ('{bottom[b].Name}')", bottom[b].Diff.ToArray()));
        }
        if (checkParams)
        {
            for (int k = 0; k < layer.Blobs.Count; k++)
            {
                targets.Add((layer.Blobs[k], $"param {k}", layer.Blobs[k].Diff.ToArray()));
            }
        }

        CheckedElements = 0;
        double worst = 0;
        string worstText = "";
        foreach ((Blob blob, string what, float[] analytic) in targets)
        {
            foreach (int i in ElementsToCheck(blob.Count, rng))
            {
                float original = blob.Data[i];
                if (_kinkRange >= 0 && Math.Abs(original - _kink) < _kinkRange)
                {
                    continue;
                }
                blob.MutableData[i] = (float)(original + _step);
                double plus = Objective(layer, bottom, top, coefficients, layerRngState);
                blob.MutableData[i] = (float)(original - _step);
                double minus = Objective(layer, bottom, top, coefficients, layerRngState);
                blob.MutableData[i] = original;
                double numeric = (plus - minus) / (2 * _step);
                double a = analytic[i];
                double scale = Math.Max(Math.Max(Math.Abs(a), Math.Abs(numeric)), 1.0);
                double error = Math.Abs(a - numeric) / scale;
                CheckedElements++;
                if (double.IsNaN(a) || error > worst)
                {
                    worst = double.IsNaN(a) ? double.PositiveInfinity : error;
                    worstText = $"{what} element {i}: analytic {a:G6}, numeric {numeric:G6} (x = {original:G6})";
                }
            }
        }
        Assert.That(worst, Is.LessThanOrEqualTo(_threshold),
            $"Gradient check failed for layer '{layer.Name}' ({layer.Type}); worst {worstText}; relative error {worst:G3} > {_threshold:G3}.");
    }

    /// <summary>Checks an element-wise layer; same as <see cref="Check"/> (kept for readability in tests).</summary>
    public void CheckEltwise(Layer layer, Blob[] bottom, Blob[] top) => Check(layer, bottom, top);

    private IEnumerable<int> ElementsToCheck(int count, EngineRandom rng)
    {
        if (MaxElementsPerBlob is int max && count > max)
        {
            var chosen = new HashSet<int>();
            while (chosen.Count < max)
            {
                chosen.Add(rng.NextInt(count));
            }
            return chosen.Order();
        }
        return Enumerable.Range(0, count);
    }

    private static double Objective(Layer layer, Blob[] bottom, Blob[] top, float[][] coefficients, ulong[] rngState)
    {
        layer.Random.SetState(rngState); // stochastic layers see the same randomness every time
        layer.Forward(bottom, top);
        double j = 0;
        for (int t = 0; t < top.Length; t++)
        {
            ReadOnlySpan<float> y = top[t].Data;
            for (int k = 0; k < y.Length; k++)
            {
                j += (double)coefficients[t][k] * y[k];
            }
        }
        return j;
    }

    private static void SetTopDiffs(Blob[] top, float[][] coefficients)
    {
        for (int t = 0; t < top.Length; t++)
        {
            coefficients[t].CopyTo(top[t].MutableDiff);
        }
    }
}
