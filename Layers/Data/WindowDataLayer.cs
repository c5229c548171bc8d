using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Caffe's legacy R-CNN window reader (<c>window_data_param</c>). Engine only parses it and gives its tops their
/// shapes, top 0 (batch_size, 3, crop_size, crop_size) and top 1 labels (batch_size), so old nets can be checked and
/// built; running it forward throws, because the window sampling (foreground/background overlap sampling, context
/// padding, warp crops) is not implemented.
/// </summary>
[Layer("WindowData", Summary = "Legacy R-CNN window reader: parses and shapes its tops (batch, 3, crop, crop) but cannot run forward.")]
public sealed class WindowDataLayer : Layer
{
    /// <summary>Creates the layer.</summary>
    public WindowDataLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    public override int ExactNumBottomBlobs => 0;

    /// <inheritdoc />
    public override int MinTopBlobs => 1;

    /// <inheritdoc />
    public override int MaxTopBlobs => 2;

    /// <inheritdoc />
    public override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        WindowDataParameter p = Param.WindowDataParam ?? throw Error("needs window_data_param { source: ... batch_size: ... crop_size: ... }.");
        if (p.BatchSize == 0)
        {
            throw Error("window_data_param.batch_size must be > 0.");
        }
        // crop_size lives in transform_param in current nets and in window_data_param in nets the upgrader left alone.
        uint crop = Param.TransformParam is { CropSize: > 0 } t ? t.CropSize : p.CropSize;
        if (crop == 0)
        {
            throw Error("needs a crop_size > 0 (transform_param.crop_size): WindowData warps every window to crop_size x crop_size.");
        }
        top[0].Reshape((int)p.BatchSize, 3, (int)crop, (int)crop);
        if (top.Count > 1)
        {
            top[1].Reshape((int)p.BatchSize);
        }
    }

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top) =>
        throw Error("is a WindowData layer (legacy R-CNN window sampling), which Engine can parse and shape-check but cannot run; convert the windows to an ImageData list or HDF5Data files instead.");
}
