using Engine.Proto;
using LayerType = Engine.Proto.V1LayerParameter.Types.LayerType;

namespace Engine.Formats;

/// <summary>Upgrades of V1 nets: deprecated data-layer transform fields, and V1 <c>layers</c> → V2 <c>layer</c>.</summary>
internal static class V1Upgrader
{
    public static bool NeedsDataTransform(NetParameter net) => net.Layers.Any(l => l.Type switch
    {
        LayerType.Data => l.DataParam is { } p && (p.HasScale || p.HasMeanFile || p.HasCropSize || p.HasMirror),
        LayerType.ImageData => l.ImageDataParam is { } p && (p.HasScale || p.HasMeanFile || p.HasCropSize || p.HasMirror),
        LayerType.WindowData => l.WindowDataParam is { } p && (p.HasScale || p.HasMeanFile || p.HasCropSize || p.HasMirror),
        _ => false,
    });

    /// <summary>Moves scale/mean_file/crop_size/mirror of DATA, IMAGE_DATA and WINDOW_DATA layers to transform_param.</summary>
    public static void UpgradeDataTransform(NetParameter net)
    {
        foreach (var layer in net.Layers)
        {
            switch (layer.Type)
            {
                case LayerType.Data when layer.DataParam is { } p:
                    if (p.HasScale) { Transform(layer).Scale = p.Scale; p.ClearScale(); }
                    if (p.HasMeanFile) { Transform(layer).MeanFile = p.MeanFile; p.ClearMeanFile(); }
                    if (p.HasCropSize) { Transform(layer).CropSize = p.CropSize; p.ClearCropSize(); }
                    if (p.HasMirror) { Transform(layer).Mirror = p.Mirror; p.ClearMirror(); }
                    break;
                case LayerType.ImageData when layer.ImageDataParam is { } p:
                    if (p.HasScale) { Transform(layer).Scale = p.Scale; p.ClearScale(); }
                    if (p.HasMeanFile) { Transform(layer).MeanFile = p.MeanFile; p.ClearMeanFile(); }
                    if (p.HasCropSize) { Transform(layer).CropSize = p.CropSize; p.ClearCropSize(); }
                    if (p.HasMirror) { Transform(layer).Mirror = p.Mirror; p.ClearMirror(); }
                    break;
                case LayerType.WindowData when layer.WindowDataParam is { } p:
                    if (p.HasScale) { Transform(layer).Scale = p.Scale; p.ClearScale(); }
                    if (p.HasMeanFile) { Transform(layer).MeanFile = p.MeanFile; p.ClearMeanFile(); }
                    if (p.HasCropSize) { Transform(layer).CropSize = p.CropSize; p.ClearCropSize(); }
                    if (p.HasMirror) { Transform(layer).Mirror = p.Mirror; p.ClearMirror(); }
                    break;
            }
        }
    }

    private static TransformationParameter Transform(V1LayerParameter l) => l.TransformParam ??= new();

    /// <summary>Replaces <c>layers</c> by equivalent <c>layer</c> entries; returns false when something was dropped.</summary>
    public static bool UpgradeToV2(NetParameter net, IList<string> warnings)
    {
        if (net.Layer.Count > 0)
        {
            throw new NetDefinitionException(
                "net definition has both 'layer' (current) and 'layers' (deprecated V1) fields; use only one of them");
        }

        bool compatible = true;
        foreach (var v1 in net.Layers)
        {
            compatible &= UpgradeLayer(v1, net.Layer.AddAndReturn(new LayerParameter()), warnings);
        }

        net.Layers.Clear();
        return compatible;
    }

    private static T AddAndReturn<T>(this Google.Protobuf.Collections.RepeatedField<T> list, T item)
    {
        list.Add(item);
        return item;
    }

    private static bool UpgradeLayer(V1LayerParameter v1, LayerParameter layer, IList<string> warnings)
    {
        layer.Bottom.AddRange(v1.Bottom);
        layer.Top.AddRange(v1.Top);
        if (v1.HasName)
        {
            layer.Name = v1.Name;
        }

        layer.Include.AddRange(v1.Include.Select(r => r.Clone()));
        layer.Exclude.AddRange(v1.Exclude.Select(r => r.Clone()));
        if (v1.HasType)
        {
            try
            {
                layer.Type = LegacyLayerTypes.V1ToV2(v1.Type);
            }
            catch (NetDefinitionException e)
            {
                throw new NetDefinitionException($"V1 upgrade: layer '{v1.Name}': {e.Message}");
            }
        }

        layer.Blobs.AddRange(v1.Blobs.Select(b => b.Clone()));

        // The four per-blob arrays of V1 become one ParamSpec per blob index.
        ParamSpec Spec(int i)
        {
            while (layer.Param.Count <= i)
            {
                layer.Param.Add(new ParamSpec());
            }

            return layer.Param[i];
        }

        for (int i = 0; i < v1.Param.Count; i++)
        {
            Spec(i).Name = v1.Param[i];
        }

        for (int i = 0; i < v1.BlobShareMode.Count; i++)
        {
            Spec(i).ShareMode = (ParamSpec.Types.DimCheckMode)(int)v1.BlobShareMode[i];
        }

        for (int i = 0; i < v1.BlobsLr.Count; i++)
        {
            Spec(i).LrMult = v1.BlobsLr[i];
        }

        for (int i = 0; i < v1.WeightDecay.Count; i++)
        {
            Spec(i).DecayMult = v1.WeightDecay[i];
        }

        layer.LossWeight.AddRange(v1.LossWeight);
        if (v1.AccuracyParam is { } accuracy) { layer.AccuracyParam = accuracy.Clone(); }
        if (v1.ArgmaxParam is { } argmax) { layer.ArgmaxParam = argmax.Clone(); }
        if (v1.ConcatParam is { } concat) { layer.ConcatParam = concat.Clone(); }
        if (v1.ContrastiveLossParam is { } contrastive) { layer.ContrastiveLossParam = contrastive.Clone(); }
        if (v1.ConvolutionParam is { } conv) { layer.ConvolutionParam = conv.Clone(); }
        if (v1.DataParam is { } data) { layer.DataParam = data.Clone(); }
        if (v1.DropoutParam is { } dropout) { layer.DropoutParam = dropout.Clone(); }
        if (v1.DummyDataParam is { } dummy) { layer.DummyDataParam = dummy.Clone(); }
        if (v1.EltwiseParam is { } eltwise) { layer.EltwiseParam = eltwise.Clone(); }
        if (v1.ExpParam is { } exp) { layer.ExpParam = exp.Clone(); }
        if (v1.Hdf5DataParam is { } hdf5Data) { layer.Hdf5DataParam = hdf5Data.Clone(); }
        if (v1.Hdf5OutputParam is { } hdf5Output) { layer.Hdf5OutputParam = hdf5Output.Clone(); }
        if (v1.HingeLossParam is { } hinge) { layer.HingeLossParam = hinge.Clone(); }
        if (v1.ImageDataParam is { } imageData) { layer.ImageDataParam = imageData.Clone(); }
        if (v1.InfogainLossParam is { } infogain) { layer.InfogainLossParam = infogain.Clone(); }
        if (v1.InnerProductParam is { } ip) { layer.InnerProductParam = ip.Clone(); }
        if (v1.LrnParam is { } lrn) { layer.LrnParam = lrn.Clone(); }
        if (v1.MemoryDataParam is { } memory) { layer.MemoryDataParam = memory.Clone(); }
        if (v1.MvnParam is { } mvn) { layer.MvnParam = mvn.Clone(); }
        if (v1.PoolingParam is { } pooling) { layer.PoolingParam = pooling.Clone(); }
        if (v1.PowerParam is { } power) { layer.PowerParam = power.Clone(); }
        if (v1.ReluParam is { } relu) { layer.ReluParam = relu.Clone(); }
        if (v1.SigmoidParam is { } sigmoid) { layer.SigmoidParam = sigmoid.Clone(); }
        if (v1.SoftmaxParam is { } softmax) { layer.SoftmaxParam = softmax.Clone(); }
        if (v1.SliceParam is { } slice) { layer.SliceParam = slice.Clone(); }
        if (v1.TanhParam is { } tanh) { layer.TanhParam = tanh.Clone(); }
        if (v1.ThresholdParam is { } threshold) { layer.ThresholdParam = threshold.Clone(); }
        if (v1.WindowDataParam is { } window) { layer.WindowDataParam = window.Clone(); }
        if (v1.TransformParam is { } transform) { layer.TransformParam = transform.Clone(); }
        if (v1.LossParam is { } loss) { layer.LossParam = loss.Clone(); }

        if (v1.Layer is not null)
        {
            warnings.Add($"V1 upgrade: layer '{v1.Name}' still carries a V0 'layer' sub-message; ignored");
            return false;
        }

        return true;
    }
}
