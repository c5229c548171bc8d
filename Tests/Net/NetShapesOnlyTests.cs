using Engine.Formats;
using Engine.Memory;
using Engine.Proto;
using Engine.Tests.Editor;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;

namespace Engine.Tests.Net;

[TestFixture]
public sealed class NetShapesOnlyTests
{
    private static NetParameter Mlp() => Prototxt.Parse<NetParameter>(CheckNets.Mlp);

    [Test]
    public void ShapesOnly_LeavesParameterMemoryUnallocated()
    {
        using var net = new Engine.Net(Mlp(), EngineServices.CreateDefaultRegistry(), new NetOptions { ShapesOnly = true });

        Assert.That(net.LearnableParams, Is.Not.Empty);
        foreach (Blob p in net.LearnableParams)
        {
            Assert.That(p.DataMemory.Head, Is.EqualTo(MemoryHead.Uninitialized), p.Name);
        }
        Assert.That(net.GetBlob("ip1").ShapeArray, Is.EqualTo(new[] { 32, 100 }));
    }

    [Test]
    public void NormalBuild_FillsTheParameters()
    {
        using var net = new Engine.Net(Mlp(), EngineServices.CreateDefaultRegistry(), new NetOptions());

        Assert.That(net.LearnableParams[0].DataMemory.Head, Is.Not.EqualTo(MemoryHead.Uninitialized));
        Assert.That(net.LearnableParams[0].AsumData(), Is.GreaterThan(0f), "xavier weights are not all zero");
    }

    [Test]
    public void ShapesOnly_StillRejectsAnUnknownFillerType()
    {
        NetParameter def = Mlp();
        def.Layer[1].InnerProductParam.WeightFiller.Type = "xavierr";

        var e = Assert.Throws<ArgumentException>(() => new Engine.Net(def, EngineServices.CreateDefaultRegistry(), new NetOptions { ShapesOnly = true }));
        Assert.That(e!.Message, Does.Contain("xavierr"));
    }
}
