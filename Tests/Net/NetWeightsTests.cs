using Engine.Fillers;
using Engine.Formats;
using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.Net;

public class NetWeightsTests
{
    private static NetParameter Mlp(int hidden) => new NetBuilder("mlp")
        .Input("data", 2, 3)
        .InnerProduct("ip1", "data", hidden, Filler.Gaussian(1))
        .InnerProduct("ip2", "ip1", 2, Filler.Gaussian(1))
        .Build();

    private static Engine.Net Build(NetParameter def, ulong seed) => new(def, TestData.Registry, new NetOptions { Phase = Phase.Test, Seed = seed });

    [Test]
    public void CaffemodelRoundTrip_CopiesWeightsByLayerName()
    {
        using var source = Build(Mlp(4), 1);
        using var target = Build(Mlp(4), 2);
        Assert.That(target.GetLayer("ip1").Blobs[0].Data.ToArray(), Is.Not.EqualTo(source.GetLayer("ip1").Blobs[0].Data.ToArray()));
        string path = Path.Combine(Path.GetTempPath(), $"engine-{Guid.NewGuid():N}.caffemodel");
        try
        {
            WeightsFile.WriteNet(path, source.ToProto());
            target.CopyTrainedLayersFrom(WeightsFile.ReadNet(path));
        }
        finally
        {
            File.Delete(path);
        }
        foreach (string layer in new[] { "ip1", "ip2" })
        {
            for (int k = 0; k < 2; k++)
            {
                Assert.That(target.GetLayer(layer).Blobs[k].Data.ToArray(), Is.EqualTo(source.GetLayer(layer).Blobs[k].Data.ToArray()));
            }
        }
    }

    [Test]
    public void ShapeMismatch_NamesLayerAndShapes_AndChangesNothing()
    {
        using var source = Build(Mlp(5), 1);
        using var target = Build(Mlp(4), 2);
        // ip2 mismatches (2×5 vs 2×4), but ip1 comes first in the file and also mismatches; make ip1 match by
        // renaming so only ip2 fails after ip1 would have been copied.
        NetParameter trained = source.ToProto();
        trained.Layer.Single(l => l.Name == "ip1").Name = "ip1_other";
        using var matching = Build(Mlp(4), 3);
        trained.Layer.Insert(0, matching.ToProto().Layer.Single(l => l.Name == "ip1"));
        float[] before = target.GetLayer("ip1").Blobs[0].Data.ToArray();
        var ex = Assert.Throws<NetException>(() => target.CopyTrainedLayersFrom(trained));
        Assert.That(ex!.Message, Does.Contain("ip2").And.Contain("2 4"));
        Assert.That(target.GetLayer("ip1").Blobs[0].Data.ToArray(), Is.EqualTo(before), "nothing is written before every blob is checked");
    }
}
