using Engine.Formats;
using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.Layers;

/// <summary>
/// Convolution, Pooling and LRN size their scratch buffers on the first CPU pass after a reshape rather than in
/// Reshape itself. A layer that ran at a small shape and is then reshaped larger must grow them before computing.
/// </summary>
[TestFixture]
public sealed class ScratchGrowthTests
{
    private static readonly string[] Definitions =
    [
        "name: 'c' type: 'Convolution' convolution_param { num_output: 4 kernel_size: 3 pad: 1 weight_filler { type: 'gaussian' std: 0.5 } bias_filler { type: 'constant' value: 0.1 } }",
        "name: 'p' type: 'Pooling' pooling_param { pool: MAX kernel_size: 3 stride: 2 }",
        "name: 'p2' type: 'Pooling' pooling_param { pool: MAX kernel_size: 2 stride: 2 }",
        "name: 'l' type: 'LRN' lrn_param { local_size: 3 alpha: 0.5 beta: 0.75 }",
        "name: 'w' type: 'LRN' lrn_param { local_size: 3 alpha: 0.5 beta: 0.75 norm_region: WITHIN_CHANNEL }",
    ];

    [TestCaseSource(nameof(Definitions))]
    public void GrownLayer_MatchesAFreshLayer_ForwardAndBackward(string definition)
    {
        int[] small = [1, 3, 5, 5], large = [3, 3, 9, 11];
        Blob bottomSmall = TestData.Uniform(small, 1), topSmall = new();
        Layer grown = TestData.SetUp(Prototxt.Parse<LayerParameter>(definition), [bottomSmall], [topSmall]);
        grown.Forward([bottomSmall], [topSmall]);

        Blob bottom = TestData.Uniform(large, 2), top = new();
        grown.Reshape([bottom], [top]);
        grown.Forward([bottom], [top]);
        TestData.Uniform(top.ShapeArray, 3).Data.CopyTo(top.MutableDiff);
        grown.Backward([top], [true], [bottom]);

        Blob freshBottom = TestData.Uniform(large, 2), freshTop = new();
        Layer fresh = TestData.SetUp(Prototxt.Parse<LayerParameter>(definition), [freshBottom], [freshTop]);
        if (fresh.Blobs.Count > 0)
        {
            for (int i = 0; i < fresh.Blobs.Count; i++)
            {
                grown.Blobs[i].Data.CopyTo(fresh.Blobs[i].MutableData);
            }
        }
        fresh.Forward([freshBottom], [freshTop]);
        TestData.Uniform(freshTop.ShapeArray, 3).Data.CopyTo(freshTop.MutableDiff);
        fresh.Backward([freshTop], [true], [freshBottom]);

        Assert.That(top.ShapeArray, Is.EqualTo(freshTop.ShapeArray));
        Assert.That(top.Data.ToArray(), Is.EqualTo(freshTop.Data.ToArray()).Within(1e-5f));
        Assert.That(bottom.Diff.ToArray(), Is.EqualTo(freshBottom.Diff.ToArray()).Within(1e-5f));
        Assert.That(bottom.Diff.ToArray(), Has.Some.Not.EqualTo(0f), "the gradient reached the bottom");
    }
}
