using Engine.Formats;
using Engine.Layers;
using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.Data;

public class WindowDataLayerTests
{
    private const string NetText = """
        name: "rcnn"
        layer { name: "win" type: "WindowData" top: "data" top: "label"
                transform_param { crop_size: 7 mirror: true }
                window_data_param { source: "windows.txt" batch_size: 4 fg_threshold: 0.5 } }
        layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param { num_output: 2 } }
        """;

    [Test]
    public void NetBuilds_WithShapedTops()
    {
        using var net = new Engine.Net(Prototxt.Parse<NetParameter>(NetText, "net.prototxt"), TestData.Registry, new NetOptions { Phase = Phase.Train, Seed = 1 });
        Assert.That(net.GetBlob("data").Shape.ToArray(), Is.EqualTo(new[] { 4, 3, 7, 7 }));
        Assert.That(net.GetBlob("label").Shape.ToArray(), Is.EqualTo(new[] { 4 }));
        Assert.That(net.GetBlob("ip").Shape.ToArray(), Is.EqualTo(new[] { 4, 2 }));
    }

    [Test]
    public void LegacyCropSizeInWindowDataParam_IsUsed()
    {
        LayerParameter p = Prototxt.Parse<LayerParameter>("name: \"win\" type: \"WindowData\" top: \"data\" window_data_param { batch_size: 2 crop_size: 5 }", "layer");
        var data = new Blob();
        using Layer layer = TestData.SetUp(p, [], [data]);
        Assert.That(data.Shape.ToArray(), Is.EqualTo(new[] { 2, 3, 5, 5 }));
    }

    [Test]
    public void Forward_ThrowsClearly()
    {
        using var net = new Engine.Net(Prototxt.Parse<NetParameter>(NetText, "net.prototxt"), TestData.Registry, new NetOptions { Phase = Phase.Train, Seed = 1 });
        var e = Assert.Throws<LayerException>(() => net.Forward())!;
        Assert.That(e.Message, Does.Contain("win").And.Contain("WindowData").And.Contain("cannot run"));
    }

    [Test]
    public void MissingCropSize_IsAnError()
    {
        LayerParameter p = Prototxt.Parse<LayerParameter>("name: \"win\" type: \"WindowData\" top: \"data\" window_data_param { batch_size: 2 }", "layer");
        var e = Assert.Throws<LayerException>(() => TestData.SetUp(p, [], [new Blob()]))!;
        Assert.That(e.Message, Does.Contain("crop_size"));
    }
}
