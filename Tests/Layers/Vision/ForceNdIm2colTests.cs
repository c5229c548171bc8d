using Engine.Layers;
using Engine.Proto;
using Engine.Tests.Support;
using System.Runtime.CompilerServices;
using NUnit.Framework;

namespace Engine.Tests.Layers.Vision;

/// <summary>
/// Convolution with <c>force_nd_im2col</c> (per-image N-D im2col/col2im on the CPU) against the same layer on the 2-D
/// paths (direct forward, batched backward), at LeNet conv1's shape, run twice in one process: a report had the second
/// pass crash the test host, so each pass also re-reads every blob in full afterwards.
/// </summary>
public class ForceNdIm2colTests
{
    private const float Tolerance = 1e-5f;

    [TestCase(64, 1, 28, 20, 5, 1, 0, 1, TestName = "LeNetConv1")]
    [TestCase(16, 20, 12, 50, 5, 1, 0, 1, TestName = "LeNetConv2")]
    [TestCase(5, 6, 11, 8, 3, 2, 1, 2, TestName = "StridePadGroups")]
    public void ForwardBackwardTwice_MatchesTwoDimensionalPaths(int num, int channels, int size, int outputs, int kernel, int stride,
        int pad, int group)
    {
        for (int pass = 0; pass < 2; pass++)
        {
            (Blob ndX, Blob ndY, Layer nd) = Run(forceNd: true, num, channels, size, outputs, kernel, stride, pad, group);
            (Blob x2, Blob y2, Layer twoD) = Run(forceNd: false, num, channels, size, outputs, kernel, stride, pad, group);
            string at = $"pass {pass}";
            AssertClose(ndY.Data, y2.Data, $"{at}: top");
            AssertClose(ndX.Diff, x2.Diff, $"{at}: bottom diff");
            AssertClose(nd.Blobs[0].Diff, twoD.Blobs[0].Diff, $"{at}: weight diff");
            AssertClose(nd.Blobs[1].Diff, twoD.Blobs[1].Diff, $"{at}: bias diff");
            // A plain copy of every blob after the pass: where an earlier write ran past a buffer, this is where it showed.
            foreach (Blob b in new[] { ndX, ndY, x2, y2, nd.Blobs[0], nd.Blobs[1] })
            {
                float[] copy = b.Data.ToArray();
                Assert.That(copy, Has.Length.EqualTo(b.Count), $"{at}: {b.Name}");
                Assert.That(b.Diff.ToArray(), Has.Length.EqualTo(b.Count), $"{at}: {b.Name} diff");
            }
        }
    }

    /// <summary>
    /// The reported crash: a span over the first run's bottom diff, read after the run's blobs became unreachable and a
    /// second run (whose allocations trigger a GC) took place. The host memory must live as long as the span does.
    /// </summary>
    [Test]
    public void SpanOverFirstRunsDiff_SurvivesSecondRun()
    {
        ReadOnlySpan<float> first = BottomDiffOfFreshRun();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        ReadOnlySpan<float> second = BottomDiffOfFreshRun();
        // Fresh blobs of the same size take any memory freed under the first span and overwrite it.
        var fillers = new Blob[8];
        for (int i = 0; i < fillers.Length; i++)
        {
            fillers[i] = new Blob([64, 1, 28, 28]);
            fillers[i].MutableData.Fill(float.NaN);
            fillers[i].MutableDiff.Fill(float.NaN);
        }
        float[] copy = first.ToArray();
        GC.KeepAlive(fillers);
        Assert.That(copy, Has.Length.EqualTo(second.Length));
        for (int i = 0; i < copy.Length; i++)
        {
            Assert.That(copy[i], Is.EqualTo(second[i]), $"bottom diff[{i}] of the first run (same seeds as the second)");
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ReadOnlySpan<float> BottomDiffOfFreshRun()
    {
        LayerParameter def = ConvolutionLayerTests.ConvDef("Convolution", 20, [5u]);
        def.ConvolutionParam.ForceNdIm2Col = true;
        Blob x = TestData.Uniform([64, 1, 28, 28], 7), y = new("y");
        Layer layer = TestData.SetUp(def, [x], [y], seed: 11);
        layer.Forward([x], [y]);
        TestData.Uniform(y.ShapeArray, 9).Data.CopyTo(y.MutableDiff);
        layer.Backward([y], [true], [x]);
        return x.Diff; // the blob is unreachable once this returns; only the span refers to its memory
    }

    private static (Blob X, Blob Y, Layer Layer) Run(bool forceNd, int num, int channels, int size, int outputs, int kernel, int stride,
        int pad, int group)
    {
        LayerParameter def = ConvolutionLayerTests.ConvDef("Convolution", outputs, [(uint)kernel], [(uint)stride], [(uint)pad],
            group: (uint)group);
        def.ConvolutionParam.ForceNdIm2Col = forceNd;
        Blob x = TestData.Uniform([num, channels, size, size], 7), y = new("y");
        Layer layer = TestData.SetUp(def, [x], [y], seed: 11);
        for (int iteration = 0; iteration < 2; iteration++)
        {
            layer.Forward([x], [y]);
            TestData.Uniform(y.ShapeArray, 9).Data.CopyTo(y.MutableDiff);
            foreach (Blob p in layer.Blobs)
            {
                p.MutableDiff.Clear(); // parameter diffs accumulate: each iteration starts from zero, as after ClearParamDiffs
            }
            layer.Backward([y], [true], [x]);
        }
        return (x, y, layer);
    }

    private static void AssertClose(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected, string what)
    {
        Assert.That(actual.Length, Is.EqualTo(expected.Length), $"{what}: length");
        float scale = 0f;
        foreach (float v in expected)
        {
            scale = Math.Max(scale, Math.Abs(v));
        }
        for (int i = 0; i < actual.Length; i++)
        {
            // Relative to the largest magnitude: the paths sum in different orders, so near-zero entries differ by rounding.
            Assert.That(actual[i], Is.EqualTo(expected[i]).Within(Tolerance * Math.Max(scale, 1f)), $"{what}[{i}]");
        }
    }
}
