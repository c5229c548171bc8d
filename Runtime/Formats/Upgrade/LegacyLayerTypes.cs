using LayerType = Engine.Proto.V1LayerParameter.Types.LayerType;

namespace Engine.Formats;

/// <summary>Type-name tables between the three generations of Caffe layer definitions.</summary>
public static class LegacyLayerTypes
{
    /// <summary>
    /// The V2 type string for a V1 layer enum value (NONE maps to the empty string).
    /// </summary>
    /// <exception cref="NetDefinitionException">The value is not a known V1 layer type.</exception>
    public static string V1ToV2(LayerType type) => type switch
    {
        LayerType.None => "",
        LayerType.Absval => "AbsVal",
        LayerType.Accuracy => "Accuracy",
        LayerType.Argmax => "ArgMax",
        LayerType.Bnll => "BNLL",
        LayerType.Concat => "Concat",
        LayerType.ContrastiveLoss => "ContrastiveLoss",
        LayerType.Convolution => "Convolution",
        LayerType.Deconvolution => "Deconvolution",
        LayerType.Data => "Data",
        LayerType.Dropout => "Dropout",
        LayerType.DummyData => "DummyData",
        LayerType.EuclideanLoss => "EuclideanLoss",
        LayerType.Eltwise => "Eltwise",
        LayerType.Exp => "Exp",
        LayerType.Flatten => "Flatten",
        LayerType.Hdf5Data => "HDF5Data",
        LayerType.Hdf5Output => "HDF5Output",
        LayerType.HingeLoss => "HingeLoss",
        LayerType.Im2Col => "Im2col",
        LayerType.ImageData => "ImageData",
        LayerType.InfogainLoss => "InfogainLoss",
        LayerType.InnerProduct => "InnerProduct",
        LayerType.Lrn => "LRN",
        LayerType.MemoryData => "MemoryData",
        LayerType.MultinomialLogisticLoss => "MultinomialLogisticLoss",
        LayerType.Mvn => "MVN",
        LayerType.Pooling => "Pooling",
        LayerType.Power => "Power",
        LayerType.Relu => "ReLU",
        LayerType.Sigmoid => "Sigmoid",
        LayerType.SigmoidCrossEntropyLoss => "SigmoidCrossEntropyLoss",
        LayerType.Silence => "Silence",
        LayerType.Softmax => "Softmax",
        LayerType.SoftmaxLoss => "SoftmaxWithLoss",
        LayerType.Split => "Split",
        LayerType.Slice => "Slice",
        LayerType.Tanh => "TanH",
        LayerType.WindowData => "WindowData",
        LayerType.Threshold => "Threshold",
        _ => throw new NetDefinitionException($"unknown V1 layer type {(int)type}"),
    };

    /// <summary>
    /// The V1 enum value for a V0 type string (e.g. <c>conv</c> → CONVOLUTION), or null if the string is unknown.
    /// <c>padding</c> has no V1 equivalent: such layers are folded into their consumers during the upgrade.
    /// </summary>
    public static LayerType? V0ToV1(string type) => type switch
    {
        "accuracy" => LayerType.Accuracy,
        "bnll" => LayerType.Bnll,
        "concat" => LayerType.Concat,
        "conv" => LayerType.Convolution,
        "data" => LayerType.Data,
        "dropout" => LayerType.Dropout,
        "euclidean_loss" => LayerType.EuclideanLoss,
        "flatten" => LayerType.Flatten,
        "hdf5_data" => LayerType.Hdf5Data,
        "hdf5_output" => LayerType.Hdf5Output,
        "im2col" => LayerType.Im2Col,
        "images" => LayerType.ImageData,
        "infogain_loss" => LayerType.InfogainLoss,
        "innerproduct" => LayerType.InnerProduct,
        "lrn" => LayerType.Lrn,
        "multinomial_logistic_loss" => LayerType.MultinomialLogisticLoss,
        "pool" => LayerType.Pooling,
        "relu" => LayerType.Relu,
        "sigmoid" => LayerType.Sigmoid,
        "softmax" => LayerType.Softmax,
        "softmax_loss" => LayerType.SoftmaxLoss,
        "split" => LayerType.Split,
        "tanh" => LayerType.Tanh,
        "window_data" => LayerType.WindowData,
        _ => null,
    };

    /// <summary>All V0 type strings that <see cref="V0ToV1"/> knows.</summary>
    public static IReadOnlyList<string> V0TypeNames { get; } =
    [
        "accuracy", "bnll", "concat", "conv", "data", "dropout", "euclidean_loss", "flatten", "hdf5_data", "hdf5_output",
        "im2col", "images", "infogain_loss", "innerproduct", "lrn", "multinomial_logistic_loss", "pool", "relu", "sigmoid",
        "softmax", "softmax_loss", "split", "tanh", "window_data",
    ];
}
