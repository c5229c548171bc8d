using Engine.Proto;

namespace Engine.Formats;

/// <summary>V0 (<c>layers { layer { ... } }</c>) to V1 upgrade: padding folding and per-field routing.</summary>
internal static class V0Upgrader
{
    public static bool Needs(NetParameter net) => net.Layers.Any(l => l.Layer is not null);

    /// <summary>Rewrites <paramref name="net"/> to V1 in place; returns false when some field could not be carried over.</summary>
    public static bool Upgrade(NetParameter net, IList<string> warnings)
    {
        var folded = FoldPaddingLayers(net);
        bool compatible = true;
        var upgraded = new List<V1LayerParameter>(folded.Count);
        foreach (var layer in folded)
        {
            var v1 = new V1LayerParameter();
            compatible &= UpgradeLayer(layer, v1, warnings);
            upgraded.Add(v1);
        }

        // Only these net-level fields existed in V0 nets.
        var name = net.HasName ? net.Name : null;
        var inputs = net.Input.ToList();
        var inputDims = net.InputDim.ToList();
        bool? forceBackward = net.HasForceBackward ? net.ForceBackward : null;
        var fresh = new NetParameter();
        if (name is not null)
        {
            fresh.Name = name;
        }

        fresh.Input.AddRange(inputs);
        fresh.InputDim.AddRange(inputDims);
        if (forceBackward is { } fb)
        {
            fresh.ForceBackward = fb;
        }

        fresh.Layers.AddRange(upgraded);
        ReplaceContents(net, fresh);
        return compatible;
    }

    private static void ReplaceContents(NetParameter target, NetParameter source)
    {
        foreach (var field in NetParameter.Descriptor.Fields.InDeclarationOrder())
        {
            field.Accessor.Clear(target);
        }

        target.MergeFrom(source);
    }

    /// <summary>
    /// Drops V0 <c>padding</c> layers; the conv/pool layer reading a padding layer's output takes its pad and reads
    /// the padding layer's input instead.
    /// </summary>
    private static List<V1LayerParameter> FoldPaddingLayers(NetParameter net)
    {
        var result = new List<V1LayerParameter>();
        // Index of the layer that last produced each blob; -1 = a net input.
        var lastProducer = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string input in net.Input)
        {
            lastProducer[input] = -1;
        }

        for (int i = 0; i < net.Layers.Count; i++)
        {
            var connection = net.Layers[i];
            var v0 = connection.Layer ?? new V0LayerParameter();
            string layerName = v0.HasName ? v0.Name : $"#{i}";
            V1LayerParameter? kept = null;
            if (v0.Type != "padding")
            {
                kept = connection.Clone();
                result.Add(kept);
            }

            for (int j = 0; j < connection.Bottom.Count; j++)
            {
                string blob = connection.Bottom[j];
                if (!lastProducer.TryGetValue(blob, out int producerIndex))
                {
                    throw new NetDefinitionException($"V0 upgrade: unknown bottom blob '{blob}' of layer '{layerName}'");
                }

                if (producerIndex < 0)
                {
                    continue;
                }

                var source = net.Layers[producerIndex];
                if (source.Layer?.Type != "padding")
                {
                    continue;
                }

                if (v0.Type is not ("conv" or "pool"))
                {
                    throw new NetDefinitionException(
                        $"V0 upgrade: padding layer '{source.Layer.Name}' feeds layer '{layerName}' of type '{v0.Type}'; only conv and pool can absorb padding");
                }

                if (connection.Bottom.Count != 1)
                {
                    throw new NetDefinitionException($"V0 upgrade: layer '{layerName}' reads a padding layer but has {connection.Bottom.Count} bottoms (expected 1)");
                }

                if (source.Bottom.Count != 1 || source.Top.Count != 1)
                {
                    throw new NetDefinitionException(
                        $"V0 upgrade: padding layer '{source.Layer.Name}' has {source.Bottom.Count} bottoms and {source.Top.Count} tops (expected 1 and 1)");
                }

                kept!.Layer.Pad = source.Layer.Pad;
                kept.Bottom[j] = source.Bottom[0];
            }

            foreach (string top in connection.Top)
            {
                lastProducer[top] = i;
            }
        }

        return result;
    }

    private static bool UpgradeLayer(V1LayerParameter connection, V1LayerParameter v1, IList<string> warnings)
    {
        bool compatible = true;
        v1.Bottom.AddRange(connection.Bottom);
        v1.Top.AddRange(connection.Top);
        var v0 = connection.Layer;
        if (v0 is null)
        {
            return true;
        }

        if (v0.HasName)
        {
            v1.Name = v0.Name;
        }

        string type = v0.Type;
        string who = $"layer '{v0.Name}' (V0 type '{type}')";
        if (v0.HasType)
        {
            v1.Type = LegacyLayerTypes.V0ToV1(type)
                ?? throw new NetDefinitionException($"V0 upgrade: unknown layer type '{type}' of layer '{v0.Name}' (known: {string.Join(", ", LegacyLayerTypes.V0TypeNames)})");
        }

        v1.Blobs.AddRange(v0.Blobs.Select(b => b.Clone()));
        v1.BlobsLr.AddRange(v0.BlobsLr);
        v1.WeightDecay.AddRange(v0.WeightDecay);

        void Misplaced(string field)
        {
            warnings.Add($"V0 upgrade: field '{field}' is not used by {who}; dropped");
            compatible = false;
        }

        bool isConv = type == "conv", isIp = type == "innerproduct", isPool = type == "pool";
        if (v0.HasNumOutput)
        {
            if (isConv) { Conv(v1).NumOutput = v0.NumOutput; }
            else if (isIp) { Ip(v1).NumOutput = v0.NumOutput; }
            else { Misplaced("num_output"); }
        }

        if (v0.HasBiasterm)
        {
            if (isConv) { Conv(v1).BiasTerm = v0.Biasterm; }
            else if (isIp) { Ip(v1).BiasTerm = v0.Biasterm; }
            else { Misplaced("biasterm"); }
        }

        if (v0.WeightFiller is not null)
        {
            if (isConv) { Conv(v1).WeightFiller = v0.WeightFiller.Clone(); }
            else if (isIp) { Ip(v1).WeightFiller = v0.WeightFiller.Clone(); }
            else { Misplaced("weight_filler"); }
        }

        if (v0.BiasFiller is not null)
        {
            if (isConv) { Conv(v1).BiasFiller = v0.BiasFiller.Clone(); }
            else if (isIp) { Ip(v1).BiasFiller = v0.BiasFiller.Clone(); }
            else { Misplaced("bias_filler"); }
        }

        if (v0.HasPad)
        {
            if (isConv) { Conv(v1).Pad.Add(v0.Pad); }
            else if (isPool) { Pool(v1).Pad = v0.Pad; }
            else { Misplaced("pad"); }
        }

        if (v0.HasKernelsize)
        {
            if (isConv) { Conv(v1).KernelSize.Add(v0.Kernelsize); }
            else if (isPool) { Pool(v1).KernelSize = v0.Kernelsize; }
            else { Misplaced("kernelsize"); }
        }

        if (v0.HasGroup)
        {
            if (isConv) { Conv(v1).Group = v0.Group; }
            else { Misplaced("group"); }
        }

        if (v0.HasStride)
        {
            if (isConv) { Conv(v1).Stride.Add(v0.Stride); }
            else if (isPool) { Pool(v1).Stride = v0.Stride; }
            else { Misplaced("stride"); }
        }

        if (v0.HasPool)
        {
            if (isPool) { Pool(v1).Pool = (PoolingParameter.Types.PoolMethod)(int)v0.Pool; }
            else { Misplaced("pool"); }
        }

        if (v0.HasDropoutRatio)
        {
            if (type == "dropout") { (v1.DropoutParam ??= new()).DropoutRatio = v0.DropoutRatio; }
            else { Misplaced("dropout_ratio"); }
        }

        bool isLrn = type == "lrn";
        if (v0.HasLocalSize)
        {
            if (isLrn) { Lrn(v1).LocalSize = v0.LocalSize; } else { Misplaced("local_size"); }
        }

        if (v0.HasAlpha)
        {
            if (isLrn) { Lrn(v1).Alpha = v0.Alpha; } else { Misplaced("alpha"); }
        }

        if (v0.HasBeta)
        {
            if (isLrn) { Lrn(v1).Beta = v0.Beta; } else { Misplaced("beta"); }
        }

        if (v0.HasK)
        {
            if (isLrn) { Lrn(v1).K = v0.K; } else { Misplaced("k"); }
        }

        if (v0.HasSource)
        {
            switch (type)
            {
                case "data": (v1.DataParam ??= new()).Source = v0.Source; break;
                case "hdf5_data": (v1.Hdf5DataParam ??= new()).Source = v0.Source; break;
                case "images": (v1.ImageDataParam ??= new()).Source = v0.Source; break;
                case "window_data": (v1.WindowDataParam ??= new()).Source = v0.Source; break;
                case "infogain_loss": (v1.InfogainLossParam ??= new()).Source = v0.Source; break;
                default: Misplaced("source"); break;
            }
        }

        // Transform fields moved to transform_param for every layer type.
        if (v0.HasScale)
        {
            Transform(v1).Scale = v0.Scale;
        }

        if (v0.HasMeanfile)
        {
            Transform(v1).MeanFile = v0.Meanfile;
        }

        if (v0.HasCropsize)
        {
            Transform(v1).CropSize = v0.Cropsize;
        }

        if (v0.HasMirror)
        {
            Transform(v1).Mirror = v0.Mirror;
        }

        if (v0.HasBatchsize)
        {
            switch (type)
            {
                case "data": (v1.DataParam ??= new()).BatchSize = v0.Batchsize; break;
                case "hdf5_data": (v1.Hdf5DataParam ??= new()).BatchSize = v0.Batchsize; break;
                case "images": (v1.ImageDataParam ??= new()).BatchSize = v0.Batchsize; break;
                case "window_data": (v1.WindowDataParam ??= new()).BatchSize = v0.Batchsize; break;
                default: Misplaced("batchsize"); break;
            }
        }

        if (v0.HasRandSkip)
        {
            switch (type)
            {
                case "data": (v1.DataParam ??= new()).RandSkip = v0.RandSkip; break;
                case "images": (v1.ImageDataParam ??= new()).RandSkip = v0.RandSkip; break;
                default: Misplaced("rand_skip"); break;
            }
        }

        bool isImages = type == "images";
        if (v0.HasShuffleImages)
        {
            if (isImages) { (v1.ImageDataParam ??= new()).Shuffle = v0.ShuffleImages; } else { Misplaced("shuffle_images"); }
        }

        if (v0.HasNewHeight)
        {
            if (isImages) { (v1.ImageDataParam ??= new()).NewHeight = (uint)v0.NewHeight; } else { Misplaced("new_height"); }
        }

        if (v0.HasNewWidth)
        {
            if (isImages) { (v1.ImageDataParam ??= new()).NewWidth = (uint)v0.NewWidth; } else { Misplaced("new_width"); }
        }

        if (v0.HasNewNum)
        {
            Misplaced("new_num");
        }

        if (v0.HasNewChannels)
        {
            Misplaced("new_channels");
        }

        if (v0.HasConcatDim)
        {
            if (type == "concat") { (v1.ConcatParam ??= new()).ConcatDim = v0.ConcatDim; } else { Misplaced("concat_dim"); }
        }

        bool isWindow = type == "window_data";
        if (v0.HasDetFgThreshold)
        {
            if (isWindow) { (v1.WindowDataParam ??= new()).FgThreshold = v0.DetFgThreshold; } else { Misplaced("det_fg_threshold"); }
        }

        if (v0.HasDetBgThreshold)
        {
            if (isWindow) { (v1.WindowDataParam ??= new()).BgThreshold = v0.DetBgThreshold; } else { Misplaced("det_bg_threshold"); }
        }

        if (v0.HasDetFgFraction)
        {
            if (isWindow) { (v1.WindowDataParam ??= new()).FgFraction = v0.DetFgFraction; } else { Misplaced("det_fg_fraction"); }
        }

        if (v0.HasDetContextPad)
        {
            if (isWindow) { (v1.WindowDataParam ??= new()).ContextPad = v0.DetContextPad; } else { Misplaced("det_context_pad"); }
        }

        if (v0.HasDetCropMode)
        {
            if (isWindow) { (v1.WindowDataParam ??= new()).CropMode = v0.DetCropMode; } else { Misplaced("det_crop_mode"); }
        }

        if (v0.Hdf5OutputParam is not null)
        {
            if (type == "hdf5_output") { v1.Hdf5OutputParam = v0.Hdf5OutputParam.Clone(); } else { Misplaced("hdf5_output_param"); }
        }

        return compatible;
    }

    private static ConvolutionParameter Conv(V1LayerParameter l) => l.ConvolutionParam ??= new();

    private static InnerProductParameter Ip(V1LayerParameter l) => l.InnerProductParam ??= new();

    private static PoolingParameter Pool(V1LayerParameter l) => l.PoolingParam ??= new();

    private static LRNParameter Lrn(V1LayerParameter l) => l.LrnParam ??= new();

    private static TransformationParameter Transform(V1LayerParameter l) => l.TransformParam ??= new();
}
