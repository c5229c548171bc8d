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
    public void ShapesOnly_AllocatesNoScratchForConvolutionPoolingAndLrn()
    {
        // engine check builds nets with placeholder extents (256, 289) and real batch sizes; scratch sized in Reshape
        // cost about 300 MB here (im2col 23 MB, argmax 47 MB, LRN scale 195 MB), zeroed for every checked definition.
        NetParameter def = Prototxt.Parse<NetParameter>(
            "layer { name: 'd' type: 'Input' top: 'd' input_param { shape { dim: 32 dim: 3 dim: 512 dim: 512 } } }\n"
            + "layer { name: 'c' type: 'Convolution' bottom: 'd' top: 'c' convolution_param { num_output: 96 kernel_size: 11 stride: 4 } }\n"
            + "layer { name: 'n' type: 'LRN' bottom: 'c' top: 'n' lrn_param { local_size: 5 } }\n"
            + "layer { name: 'p' type: 'Pooling' bottom: 'n' top: 'p' pooling_param { pool: MAX kernel_size: 3 stride: 2 } }\n");
        LayerRegistry registry = EngineServices.CreateDefaultRegistry();
        using (new Engine.Net(def, registry, new NetOptions { ShapesOnly = true }))
        {
            // Warm-up: JIT and type loading allocate too.
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        using var net = new Engine.Net(def, registry, new NetOptions { ShapesOnly = true });
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.That(net.GetBlob("p").ShapeArray, Is.EqualTo(new[] { 32, 96, 63, 63 }));
        Assert.That(allocated, Is.LessThan(4L << 20), $"{allocated} bytes allocated by a shapes-only build");
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
