using Engine.Distributed;
using Engine.Layers;
using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.Distributed;

/// <summary>Shards of a global batch and the fused gradient buckets, without MPI.</summary>
[TestFixture]
public sealed class ShardingTests
{
    private static MemoryDataLayer MemoryData(int batch, int samples, out Blob data, out Blob label)
    {
        var param = new LayerParameter { Name = "data", Type = "MemoryData", MemoryDataParam = new MemoryDataParameter { BatchSize = (uint)batch, Channels = 2, Height = 1, Width = 1 } };
        data = new Blob();
        label = new Blob();
        var layer = (MemoryDataLayer)TestData.Registry.Create(param);
        layer.SetUp([], [data, label]);
        var values = new float[samples * 2];
        var labels = new float[samples];
        for (int n = 0; n < samples; n++)
        {
            values[2 * n] = n;
            values[2 * n + 1] = -n;
            labels[n] = n;
        }
        layer.Reset(values, labels, samples);
        return layer;
    }

    [Test]
    public void MemoryDataShardsTogetherServeTheGlobalBatch()
    {
        // 3 replicas of batch 4 against one process of batch 12, over 24 samples so the stream wraps around.
        MemoryDataLayer whole = MemoryData(12, 24, out Blob wholeData, out Blob wholeLabel);
        var shards = new (MemoryDataLayer Layer, Blob Data, Blob Label)[3];
        for (int r = 0; r < 3; r++)
        {
            shards[r].Layer = MemoryData(4, 24, out shards[r].Data, out shards[r].Label);
            shards[r].Layer.SetShard(r, 3);
        }
        for (int step = 0; step < 4; step++)
        {
            whole.Forward([], [wholeData, wholeLabel]);
            var union = new List<float>();
            var unionData = new List<float>();
            foreach (var s in shards)
            {
                s.Layer.Forward([], [s.Data, s.Label]);
                union.AddRange(s.Label.Data.ToArray());
                unionData.AddRange(s.Data.Data.ToArray());
            }
            Assert.That(union, Is.EqualTo(wholeLabel.Data.ToArray()), $"labels of global batch {step}");
            Assert.That(unionData, Is.EqualTo(wholeData.Data.ToArray()), $"data of global batch {step}");
        }
    }

    [Test]
    public void SetShardRejectsARankOutsideTheGroup()
    {
        MemoryDataLayer layer = MemoryData(4, 8, out _, out _);
        Assert.That(() => layer.SetShard(2, 2), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => layer.SetShard(0, 0), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void BucketsFollowBackwardOrderAndRespectTheCapacity()
    {
        var net = new Engine.Net(Engine.Formats.Prototxt.Parse<NetParameter>("""
            name: "b"
            layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 2 dim: 8 } } }
            layer { name: "a" type: "InnerProduct" bottom: "x" top: "a" inner_product_param { num_output: 8 } }
            layer { name: "b" type: "InnerProduct" bottom: "a" top: "b" inner_product_param { num_output: 8 } }
            layer { name: "c" type: "InnerProduct" bottom: "b" top: "c" inner_product_param { num_output: 4 } }
            """, "b.prototxt"), TestData.Registry);
        // Parameters: a/0 (64), a/1 (8), b/0 (64), b/1 (8), c/0 (32), c/1 (4); capacity 80 floats, filled greedily
        // in backward order. A bucket is ready after the lowest layer among its parameters.
        GradientBuckets buckets = GradientBuckets.Create(net, 80);
        string[][] names = buckets.Items.Select(b => b.Params.Select(p => net.LearnableParams[p].Name).ToArray()).ToArray();
        Assert.That(names, Is.EqualTo(new[] { new[] { "c/1", "c/0", "b/1" }, new[] { "b/0", "a/1" }, new[] { "a/0" } }));
        Assert.That(buckets.Items.Select(b => b.ReadyAfterLayer), Is.EqualTo(new[] { 2, 1, 1 }));
        Assert.That(buckets.Items.Select(b => b.Buffer.Length), Is.EqualTo(new[] { 44, 72, 64 }));
    }

    [Test]
    public void PackAndUnpackRoundTripWithScale()
    {
        var net = new Engine.Net(Engine.Formats.Prototxt.Parse<NetParameter>("""
            name: "p"
            layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 1 dim: 3 } } }
            layer { name: "a" type: "InnerProduct" bottom: "x" top: "a" inner_product_param { num_output: 2 } }
            """, "p.prototxt"), TestData.Registry);
        GradientBuckets buckets = GradientBuckets.Create(net, 1 << 20);
        Assert.That(buckets.Items, Has.Length.EqualTo(1));
        for (int p = 0; p < net.LearnableParams.Count; p++)
        {
            Span<float> diff = net.LearnableParams[p].MutableDiff;
            for (int i = 0; i < diff.Length; i++)
            {
                diff[i] = 10 * p + i;
            }
        }
        GradientBuckets.Pack(buckets.Items[0], net.LearnableParams);
        net.ClearParamDiffs();
        GradientBuckets.Unpack(buckets.Items[0], net.LearnableParams, 0.5f);
        Assert.That(net.LearnableParams[0].Diff.ToArray(), Is.EqualTo(new[] { 0f, 0.5f, 1f, 1.5f, 2f, 2.5f }));
        Assert.That(net.LearnableParams[1].Diff.ToArray(), Is.EqualTo(new[] { 5f, 5.5f }));
    }
}
