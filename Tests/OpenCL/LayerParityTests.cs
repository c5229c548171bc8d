using Engine.Backends.OpenCL;
using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.OpenCL;

/// <summary>
/// Every layer with device code runs forward and backward on the CPU and on OpenCL from the same inputs, weights and
/// top gradients; tops, bottom gradients and parameter gradients must agree element-wise (relative 1e-4).
/// </summary>
public class LayerParityTests : LayerParityTestBase
{
    [TestCase(false, true)]
    [TestCase(true, true)]
    [TestCase(false, false)]
    public void InnerProduct(bool transpose, bool bias) => Check(
        Def("InnerProduct", p => p.InnerProductParam = new InnerProductParameter
        {
            NumOutput = 7, Transpose = transpose, BiasTerm = bias, WeightFiller = Gaussian,
            BiasFiller = new FillerParameter { Type = "uniform", Min = -1f, Max = 1f },
        }),
        [[5, 3, 4]]);

    [TestCase(0f)]
    [TestCase(0.1f)]
    public void ReLU(float slope) => Check(Def("ReLU", p => p.ReluParam = new ReLUParameter { NegativeSlope = slope }), [[4, 33]]);

    [Test]
    public void Sigmoid() => Check(Def("Sigmoid"), [[3, 50]], scale: 4f);

    [Test]
    public void TanH() => Check(Def("TanH"), [[3, 50]], scale: 3f);

    [TestCase(1)]
    [TestCase(2)]
    public void Softmax(int axis) => Check(Def("Softmax", p => p.SoftmaxParam = new SoftmaxParameter { Axis = axis }), [[3, 5, 4]], scale: 3f);

    [TestCase(LossParameter.Types.NormalizationMode.Valid, false)]
    [TestCase(LossParameter.Types.NormalizationMode.Valid, true)]
    [TestCase(LossParameter.Types.NormalizationMode.Full, true)]
    [TestCase(LossParameter.Types.NormalizationMode.BatchSize, false)]
    public void SoftmaxWithLoss(LossParameter.Types.NormalizationMode mode, bool ignore) => Check(
        Def("SoftmaxWithLoss", p =>
        {
            p.LossParam = new LossParameter { Normalization = mode };
            if (ignore)
            {
                p.LossParam.IgnoreLabel = 2;
            }
        }),
        [[4, 5, 3], [4, 1, 3]],
        labels: (1, 5),
        scale: 3f);

    [Test]
    public void EuclideanLoss() => Check(Def("EuclideanLoss"), [[4, 6], [4, 6]], propagate: [true, true]);

    [Test]
    public void Split() => Check(Def("Split"), [[3, 17]], topCount: 3, deviceTop: false);

    [Test]
    public void EltwiseSum() => Check(
        Def("Eltwise", p => p.EltwiseParam = new EltwiseParameter { Operation = EltwiseParameter.Types.EltwiseOp.Sum, Coeff = { 0.5f, -2f, 1.5f } }),
        [[2, 9], [2, 9], [2, 9]]);

    [Test]
    public void EltwiseProd() => Check(
        Def("Eltwise", p => p.EltwiseParam = new EltwiseParameter { Operation = EltwiseParameter.Types.EltwiseOp.Prod }),
        [[2, 9], [2, 9], [2, 9]]);

    [Test]
    public void EltwiseMax() => Check(
        Def("Eltwise", p => p.EltwiseParam = new EltwiseParameter { Operation = EltwiseParameter.Types.EltwiseOp.Max }),
        [[2, 9], [2, 9], [2, 9]]);

    [TestCase(3, 1, 1, 1, 1, true)]
    [TestCase(3, 2, 1, 2, 2, true)]
    [TestCase(1, 1, 0, 1, 1, false)]
    public void Convolution(int kernel, int stride, int pad, int dilation, int group, bool bias) => Check(
        Def("Convolution", p => p.ConvolutionParam = new ConvolutionParameter
        {
            NumOutput = 6, KernelSize = { (uint)kernel }, Stride = { (uint)stride }, Pad = { (uint)pad }, Dilation = { (uint)dilation },
            Group = (uint)group, BiasTerm = bias, WeightFiller = Gaussian,
            BiasFiller = new FillerParameter { Type = "uniform", Min = -1f, Max = 1f },
        }),
        [[2, 4, 7, 6]]);

    [TestCase(PoolingParameter.Types.PoolMethod.Max, 3, 2, 0, 1)]
    [TestCase(PoolingParameter.Types.PoolMethod.Max, 2, 2, 1, 2)]
    [TestCase(PoolingParameter.Types.PoolMethod.Ave, 3, 2, 1, 1)]
    public void Pooling(PoolingParameter.Types.PoolMethod method, int kernel, int stride, int pad, int tops) => Check(
        Def("Pooling", p => p.PoolingParam = new PoolingParameter { Pool = method, KernelSize = (uint)kernel, Stride = (uint)stride, Pad = (uint)pad }),
        [[2, 3, 7, 8]],
        topCount: tops);
}
