using Engine.Formats;
using Engine.Proto;
using NUnit.Framework;
using static Engine.Tests.OpenCL.VisionParity;

namespace Engine.Tests.OpenCL;

/// <summary>
/// CPU/OpenCL parity of the vision, normalisation and recurrent layers' device code: same inputs, weights and top
/// gradients; tops, bottom gradients, parameter gradients and parameter data agree element-wise (relative 1e-4
/// unless a test says why not).
/// </summary>
public class VisionNormRecurrentParityTests : OpenCLTestBase
{
    private static ConvolutionParameter Conv(int numOutput, int kernel, int stride, int pad, int dilation, int group, bool bias) => new()
    {
        NumOutput = (uint)numOutput, KernelSize = { (uint)kernel }, Stride = { (uint)stride }, Pad = { (uint)pad },
        Dilation = { (uint)dilation }, Group = (uint)group, BiasTerm = bias, WeightFiller = Gaussian, BiasFiller = UniformFiller,
    };

    [TestCase(3, 1, 0, 1, 1, true)]
    [TestCase(3, 2, 1, 1, 2, true)]
    [TestCase(4, 2, 1, 1, 1, false)]
    [TestCase(3, 1, 1, 2, 2, true)]
    [TestCase(1, 1, 0, 1, 1, true)]
    public void Deconvolution(int kernel, int stride, int pad, int dilation, int group, bool bias)
        => Check(Cl, Def("Deconvolution", p => p.ConvolutionParam = Conv(6, kernel, stride, pad, dilation, group, bias)), [[2, 4, 5, 4]]);

    [TestCase(1)]
    [TestCase(3)]
    public void Deconvolution_NdAndTwoBottoms(int spatialAxes)
    {
        int[] shape = spatialAxes == 1 ? [2, 4, 7] : [2, 4, 3, 4, 3];
        Check(Cl, Def("Deconvolution", p => p.ConvolutionParam = Conv(3, 2, 2, 1, 1, 1, true)), [shape, shape], new Options { TopCount = 2 });
    }

    [TestCase(1)]
    [TestCase(3)]
    public void Convolution_Nd(int spatialAxes)
    {
        int[] shape = spatialAxes == 1 ? [2, 4, 9] : [2, 4, 5, 4, 5];
        Check(Cl, Def("Convolution", p => p.ConvolutionParam = Conv(6, 3, 2, 1, 1, 2, true)), [shape]);
    }

    // Four spatial axes have no device kernels: the layer runs its host path on synced copies and must still agree.
    [Test]
    public void Convolution_FourSpatialAxes_RunsOnTheHost()
        => Check(Cl, Def("Convolution", p => p.ConvolutionParam = Conv(3, 2, 1, 0, 1, 1, true)), [[2, 2, 3, 3, 2, 3]],
            new Options { ExpectHost = true });

    [Test]
    public void Convolution_ForceNd2D()
        => Check(Cl, Def("Convolution", p =>
        {
            p.ConvolutionParam = Conv(5, 3, 1, 1, 2, 1, true);
            p.ConvolutionParam.ForceNdIm2Col = true;
        }), [[2, 3, 7, 6]]);

    [TestCase(3, 1, 0, 1)]
    [TestCase(3, 2, 1, 2)]
    [TestCase(2, 1, 1, 1)]
    public void Im2col(int kernel, int stride, int pad, int dilation)
        => Check(Cl, Def("Im2col", p => p.ConvolutionParam = Conv(1, kernel, stride, pad, dilation, 1, false)), [[2, 3, 6, 7]]);

    [Test]
    public void Im2col_3D()
        => Check(Cl, Def("Im2col", p => p.ConvolutionParam = Conv(1, 2, 1, 1, 1, 1, false)), [[2, 2, 3, 4, 3]]);

    [TestCase(2, 1u, 2u)]
    [TestCase(1, 1u, 0u)]
    [TestCase(3, 2u, null)]
    [TestCase(0, 0u, 0u)]
    public void Crop(int axis, uint first, uint? second)
    {
        int[] big = [3, 4, 7, 8];
        int[] reference = [2, 3, 4, 5];
        for (int a = 0; a < axis; a++)
        {
            reference[a] = big[a];
        }
        Check(Cl, Def("Crop", p =>
        {
            p.CropParam = new CropParameter { Axis = axis };
            p.CropParam.Offset.Add(first);
            if (second is uint s)
            {
                for (int a = axis + 1; a < 4; a++)
                {
                    p.CropParam.Offset.Add(s);
                }
            }
        }), [big, reference], new Options { Propagate = [true, false] });
    }

    [TestCase(LRNParameter.Types.NormRegion.AcrossChannels, 5u)]
    [TestCase(LRNParameter.Types.NormRegion.AcrossChannels, 3u)]
    [TestCase(LRNParameter.Types.NormRegion.WithinChannel, 3u)]
    public void LRN(LRNParameter.Types.NormRegion region, uint size)
        => Check(Cl, Def("LRN", p => p.LrnParam = new LRNParameter { NormRegion = region, LocalSize = size, Alpha = 0.3f, Beta = 0.75f, K = 1.5f }),
            [[2, 7, 5, 4]], new Options { Scale = 2f });

    [Test]
    public void Layers_StayOnTheDevice_Vision()
    {
        AssertStaysOnDevice(Cl, Def("Deconvolution", p => p.ConvolutionParam = Conv(4, 3, 2, 1, 1, 2, true)), [[2, 4, 5, 4]]);
        AssertStaysOnDevice(Cl, Def("LRN", p => p.LrnParam = new LRNParameter { LocalSize = 3 }), [[2, 5, 4, 4]]);
        AssertStaysOnDevice(Cl, Def("Crop", p => p.CropParam = new CropParameter { Axis = 2, Offset = { 1u } }), [[2, 3, 6, 6], [2, 3, 4, 4]],
            new Options { Propagate = [true, false] });
        AssertStaysOnDevice(Cl, Def("Im2col", p => p.ConvolutionParam = Conv(1, 3, 1, 1, 1, 1, false)), [[2, 3, 5, 5]]);
        AssertStaysOnDevice(Cl, Def("Convolution", p => p.ConvolutionParam = Conv(4, 3, 1, 1, 1, 1, true)), [[2, 3, 4, 5, 4]]);
    }

    [TestCase(1u, SPPParameter.Types.PoolMethod.Max)]
    [TestCase(2u, SPPParameter.Types.PoolMethod.Max)]
    [TestCase(3u, SPPParameter.Types.PoolMethod.Ave)]
    public void SPP(uint height, SPPParameter.Types.PoolMethod method)
        => Check(Cl, Def("SPP", p => p.SppParam = new SPPParameter { PyramidHeight = height, Pool = method }), [[2, 3, 9, 8]]);

    // BatchNorm's statistics are sums over N·spatial values taken in another order on the device (a tree of 64 partial
    // sums) than on the host (double accumulation); at these sizes the difference stays near 1e-6 relative, so 1e-4 holds.
    [TestCase(new[] { 3, 4, 5, 2 })]
    [TestCase(new[] { 6, 5 })]
    [TestCase(new[] { 9 })]
    public void BatchNorm_Train(int[] shape)
        => Check(Cl, Def("BatchNorm", p => p.BatchNormParam = new BatchNormParameter { UseGlobalStats = false, MovingAverageFraction = 0.9f }),
            [shape], new Options { Passes = 2, Scale = 3f });

    [TestCase(0.5f)]
    [TestCase(0f)]
    public void BatchNorm_GlobalStats(float scaleFactor)
        => Check(Cl, Def("BatchNorm", p => p.BatchNormParam = new BatchNormParameter { UseGlobalStats = true }, Phase.Test),
            [[3, 4, 3, 2]], new Options
            {
                Scale = 2f,
                Prepare = layer =>
                {
                    float[] mean = [0.2f, -0.4f, 0.1f, 0.3f], variance = [1.5f, 0.5f, 2f, 0.8f];
                    mean.CopyTo(layer.Blobs[0].MutableData);
                    variance.CopyTo(layer.Blobs[1].MutableData);
                    layer.Blobs[2].MutableData[0] = scaleFactor;
                },
            });

    [TestCase(true, false)]
    [TestCase(true, true)]
    [TestCase(false, false)]
    [TestCase(false, true)]
    public void MVN(bool normalizeVariance, bool acrossChannels)
        => Check(Cl, Def("MVN", p => p.MvnParam = new MVNParameter { NormalizeVariance = normalizeVariance, AcrossChannels = acrossChannels }),
            [[3, 4, 5, 3]], new Options { Scale = 2f });

    [TestCase(-1)]
    [TestCase(1)]
    public void LayerNorm(int axis)
        => Check(Cl, Def("LayerNorm", p => p.LayerNormParam = new LayerNormParameter { Axis = axis }), [[3, 4, 70]], new Options { Scale = 2f });

    private static readonly float[] UnitCont = [1f, 0f, 1f];

    [Test]
    public void LSTMUnit()
        => Check(Cl, Def("LSTMUnit"), [[1, 3, 5], [1, 3, 20], [1, 3]],
            new Options { Values = [null, null, UnitCont], Propagate = [true, true, false], TopCount = 2, Scale = 2f });

    private static RecurrentParameter Recurrent(bool expose) => new()
    {
        NumOutput = 4, ExposeHidden = expose,
        WeightFiller = new FillerParameter { Type = "uniform", Min = -0.5f, Max = 0.5f }, BiasFiller = UniformFiller,
    };

    // T = 3 steps, N = 2 streams; the second stream restarts at step 2.
    private static readonly float[] SequenceCont = [0f, 0f, 1f, 0f, 1f, 1f];

    private static (int[][] Shapes, Options Options) RecurrentCase(int states, bool expose, bool withStatic)
    {
        var shapes = new List<int[]> { new[] { 3, 2, 5 }, new[] { 3, 2 } };
        var values = new List<float[]?> { null, SequenceCont };
        var propagate = new List<bool> { true, false };
        if (withStatic)
        {
            shapes.Add([2, 3]);
            values.Add(null);
            propagate.Add(true);
        }
        if (expose)
        {
            for (int k = 0; k < states; k++)
            {
                shapes.Add([1, 2, 4]);
                values.Add(null);
                propagate.Add(true);
            }
        }
        // Without exposed states the second forward starts from the first one's final states (carried on the device).
        return (shapes.ToArray(), new Options
        {
            Values = values.ToArray(), Propagate = propagate.ToArray(), TopCount = expose ? 1 + states : 1, Passes = expose ? 1 : 2,
        });
    }

    [TestCase(false, false)]
    [TestCase(true, false)]
    [TestCase(false, true)]
    public void LSTM(bool expose, bool withStatic)
    {
        (int[][] shapes, Options options) = RecurrentCase(2, expose, withStatic);
        Check(Cl, Def("LSTM", p => p.RecurrentParam = Recurrent(expose)), shapes, options);
    }

    [TestCase(false, false)]
    [TestCase(true, false)]
    [TestCase(false, true)]
    public void RNN(bool expose, bool withStatic)
    {
        (int[][] shapes, Options options) = RecurrentCase(1, expose, withStatic);
        Check(Cl, Def("RNN", p => p.RecurrentParam = Recurrent(expose)), shapes, options);
    }

    [Test]
    public void Layers_StayOnTheDevice_NormalizationAndRecurrent()
    {
        AssertStaysOnDevice(Cl, Def("BatchNorm", p => p.BatchNormParam = new BatchNormParameter { UseGlobalStats = false }), [[3, 4, 3, 3]]);
        AssertStaysOnDevice(Cl, Def("BatchNorm", p => p.BatchNormParam = new BatchNormParameter { UseGlobalStats = true }), [[3, 4, 3, 3]]);
        AssertStaysOnDevice(Cl, Def("MVN"), [[3, 4, 3, 3]]);
        AssertStaysOnDevice(Cl, Def("LayerNorm"), [[3, 4, 9]]);
        AssertStaysOnDevice(Cl, Def("SPP", p => p.SppParam = new SPPParameter { PyramidHeight = 2 }), [[2, 3, 6, 6]]);
        AssertStaysOnDevice(Cl, Def("LSTMUnit"), [[1, 3, 5], [1, 3, 20], [1, 3]],
            new Options { Values = [null, null, UnitCont], Propagate = [true, true, false], TopCount = 2 });
        foreach ((string type, int states) in new[] { ("LSTM", 2), ("RNN", 1) })
        {
            foreach (bool expose in new[] { false, true })
            {
                (int[][] shapes, Options options) = RecurrentCase(states, expose, withStatic: true);
                AssertStaysOnDevice(Cl, Def(type, p => p.RecurrentParam = Recurrent(expose)), shapes, options);
            }
        }
    }

    private const string DummyNet = """
        name: "dummy"
        layer { name: "data" type: "DummyData" top: "data" top: "target"
          dummy_data_param { shape { dim: 4 dim: 6 } shape { dim: 4 dim: 3 }
            data_filler { type: "gaussian" std: 1 } data_filler { type: "constant" value: 0.5 } } }
        layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip"
          inner_product_param { num_output: 3 weight_filler { type: "gaussian" std: 0.3 } } }
        layer { name: "loss" type: "EuclideanLoss" bottom: "ip" bottom: "target" top: "loss" }
        """;

    /// <summary>
    /// Data layers write their tops on the host; the device reads them with one upload per refill. A constant DummyData
    /// top is filled once and uploaded once; a gaussian one is uploaded once per forward; nothing is read back except
    /// the loss.
    /// </summary>
    [Test]
    public void DummyData_UploadsOncePerFill_AndReadsNothingBack()
    {
        using var net = new Engine.Net(Prototxt.Parse<NetParameter>(DummyNet, "dummy.prototxt"), Support.TestData.Registry,
            new NetOptions { Phase = Phase.Train, Backend = Cl, Seed = 5 });
        net.ForwardBackward();
        Blob data = net.GetBlob("data"), target = net.GetBlob("target"), loss = net.GetBlob("loss");
        Blob[] blobs = net.Blobs.Concat(net.LearnableParams).Distinct().ToArray();
        long[] toHost = blobs.Select(b => b.DataMemory.TransfersToHost + b.DiffMemory.TransfersToHost).ToArray();
        long dataUploads = data.DataMemory.TransfersToDevice, targetUploads = target.DataMemory.TransfersToDevice;

        const int steps = 3;
        for (int s = 0; s < steps; s++)
        {
            net.ForwardBackward();
        }

        Assert.That(data.DataMemory.TransfersToDevice - dataUploads, Is.EqualTo(steps), "the gaussian top is refilled and uploaded each forward");
        Assert.That(target.DataMemory.TransfersToDevice - targetUploads, Is.Zero, "the constant top was uploaded once, before");
        for (int i = 0; i < blobs.Length; i++)
        {
            long moved = blobs[i].DataMemory.TransfersToHost + blobs[i].DiffMemory.TransfersToHost - toHost[i];
            Assert.That(moved, Is.EqualTo(blobs[i] == loss ? steps : 0), $"'{blobs[i].Name}': transfers to host");
        }
    }
}
