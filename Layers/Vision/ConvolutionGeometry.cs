using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Kernel, stride, pad and dilation per spatial axis, read from a <see cref="ConvolutionParameter"/> with Caffe's rules
/// (one value for all axes or one per axis, or the 2-D-only <c>_h/_w</c> fields), plus the output-size formulas.
/// Shared by Convolution, Deconvolution and Im2col.
/// </summary>
internal sealed class ConvolutionGeometry
{
    private ConvolutionGeometry(int channelAxis, int[] kernel, int[] stride, int[] pad, int[] dilation, bool forceNd)
    {
        ChannelAxis = channelAxis;
        Kernel = kernel;
        Stride = stride;
        Pad = pad;
        Dilation = dilation;
        ForceNd = forceNd;
        bool is1x1 = true;
        for (int i = 0; i < kernel.Length; i++)
        {
            is1x1 &= kernel[i] == 1 && stride[i] == 1 && pad[i] == 0;
        }
        Is1x1 = is1x1;
    }

    /// <summary>Index of the channel axis; spatial axes are all that follow it.</summary>
    public int ChannelAxis { get; }

    /// <summary>Number of spatial axes.</summary>
    public int NumSpatialAxes => Kernel.Length;

    public int[] Kernel { get; }

    public int[] Stride { get; }

    public int[] Pad { get; }

    public int[] Dilation { get; }

    /// <summary>True when the general N-D column code must be used even for 2-D.</summary>
    public bool ForceNd { get; }

    /// <summary>Kernel 1, stride 1, pad 0 on every axis: the column matrix is the input itself.</summary>
    public bool Is1x1 { get; }

    /// <summary>True when the fast 2-D im2col of the backend applies.</summary>
    public bool Uses2D => NumSpatialAxes == 2 && !ForceNd;

    /// <summary>Product of the kernel sizes.</summary>
    public int KernelCount
    {
        get
        {
            int k = 1;
            foreach (int v in Kernel)
            {
                k *= v;
            }
            return k;
        }
    }

    /// <summary>Reads the geometry for <paramref name="bottom"/>; <paramref name="error"/> builds an exception naming the layer.</summary>
    public static ConvolutionGeometry Parse(ConvolutionParameter p, Blob bottom, Func<string, Exception> error)
    {
        if (p.Axis < -bottom.NumAxes || p.Axis >= bottom.NumAxes)
        {
            throw error($"convolution_param.axis {p.Axis} is out of range for bottom '{bottom.Name}' of shape {bottom.ShapeString}.");
        }
        int channelAxis = p.Axis < 0 ? p.Axis + bottom.NumAxes : p.Axis;
        int spatial = bottom.NumAxes - channelAxis - 1;

        int[] kernel;
        if (p.HasKernelH || p.HasKernelW)
        {
            if (spatial != 2)
            {
                throw error($"kernel_h/kernel_w can only be used for 2-D convolution; bottom '{bottom.Name}' of shape {bottom.ShapeString} has {spatial} spatial axes.");
            }
            if (p.KernelSize.Count != 0)
            {
                throw error("give either kernel_size or kernel_h/kernel_w, not both.");
            }
            kernel = [(int)p.KernelH, (int)p.KernelW];
        }
        else
        {
            kernel = PerAxis(p.KernelSize, spatial, null, "kernel_size", error);
        }
        foreach (int k in kernel)
        {
            if (k <= 0)
            {
                throw error($"kernel dimensions must be > 0, got {Blob.Format(kernel)} (give kernel_size, or both kernel_h and kernel_w).");
            }
        }

        int[] stride;
        if (p.HasStrideH || p.HasStrideW)
        {
            if (spatial != 2)
            {
                throw error($"stride_h/stride_w can only be used for 2-D convolution; bottom '{bottom.Name}' of shape {bottom.ShapeString} has {spatial} spatial axes.");
            }
            if (p.Stride.Count != 0)
            {
                throw error("give either stride or stride_h/stride_w, not both.");
            }
            stride = [(int)p.StrideH, (int)p.StrideW];
        }
        else
        {
            stride = PerAxis(p.Stride, spatial, 1, "stride", error);
        }
        foreach (int s in stride)
        {
            if (s <= 0)
            {
                throw error($"stride dimensions must be > 0, got {Blob.Format(stride)}.");
            }
        }

        int[] pad;
        if (p.HasPadH || p.HasPadW)
        {
            if (spatial != 2)
            {
                throw error($"pad_h/pad_w can only be used for 2-D convolution; bottom '{bottom.Name}' of shape {bottom.ShapeString} has {spatial} spatial axes.");
            }
            if (p.Pad.Count != 0)
            {
                throw error("give either pad or pad_h/pad_w, not both.");
            }
            pad = [(int)p.PadH, (int)p.PadW];
        }
        else
        {
            pad = PerAxis(p.Pad, spatial, 0, "pad", error);
        }

        int[] dilation = PerAxis(p.Dilation, spatial, 1, "dilation", error);
        foreach (int d in dilation)
        {
            if (d <= 0)
            {
                throw error($"dilation dimensions must be > 0, got {Blob.Format(dilation)}.");
            }
        }
        return new ConvolutionGeometry(channelAxis, kernel, stride, pad, dilation, p.ForceNdIm2Col);
    }

    private static int[] PerAxis(IList<uint> values, int spatial, int? fallback, string field, Func<string, Exception> error)
    {
        var result = new int[spatial];
        if (values.Count == 0 && fallback is int f)
        {
            Array.Fill(result, f);
            return result;
        }
        if (values.Count == 1)
        {
            Array.Fill(result, (int)values[0]);
            return result;
        }
        if (values.Count != spatial)
        {
            throw error($"{field} must be given once, or once per spatial axis ({spatial}); it is given {values.Count} time(s).");
        }
        for (int i = 0; i < spatial; i++)
        {
            result[i] = (int)values[i];
        }
        return result;
    }

    /// <summary>Effective kernel extent d(k − 1) + 1 on axis <paramref name="i"/>.</summary>
    public int Extent(int i) => Dilation[i] * (Kernel[i] - 1) + 1;

    /// <summary>
    /// Convolution output sizes floor((in + 2p − e)/s) + 1; throws (naming the shapes) when the kernel extent exceeds the
    /// padded input on some axis.
    /// </summary>
    public void ConvolutionOutput(ReadOnlySpan<int> input, Span<int> output, Blob bottom, Func<string, Exception> error)
    {
        for (int i = 0; i < NumSpatialAxes; i++)
        {
            int padded = input[i] + 2 * Pad[i];
            if (padded < Extent(i))
            {
                throw error($"kernel {Blob.Format(Kernel)} (dilation {Blob.Format(Dilation)}, extent {Extent(i)} on spatial axis {i}) "
                    + $"is larger than the padded input: bottom '{bottom.Name}' of shape {bottom.ShapeString} with pad {Blob.Format(Pad)} "
                    + $"gives {padded} on that axis.");
            }
            output[i] = OutputSize(i, input[i]);
        }
    }

    /// <summary>Convolution output size on spatial <paramref name="axis"/> for an input of <paramref name="input"/>, unchecked.</summary>
    public int OutputSize(int axis, int input) => (input + 2 * Pad[axis] - Extent(axis)) / Stride[axis] + 1;

    /// <summary>Deconvolution output sizes s(in − 1) + e − 2p; throws when one is not positive.</summary>
    public void DeconvolutionOutput(ReadOnlySpan<int> input, Span<int> output, Blob bottom, Func<string, Exception> error)
    {
        for (int i = 0; i < NumSpatialAxes; i++)
        {
            output[i] = Stride[i] * (input[i] - 1) + Extent(i) - 2 * Pad[i];
            if (output[i] <= 0 || input[i] <= 0)
            {
                throw error($"bottom '{bottom.Name}' of shape {bottom.ShapeString} with kernel {Blob.Format(Kernel)}, stride "
                    + $"{Blob.Format(Stride)}, pad {Blob.Format(Pad)} and dilation {Blob.Format(Dilation)} gives an empty output "
                    + $"({output[i]}) on spatial axis {i}.");
            }
        }
    }

    /// <summary>
    /// Unfolds one image (channels × spatial) into columns ((channels·Πk) × Π<paramref name="columnShape"/>):
    /// the backend's fast 2-D path where possible, else <see cref="ImageColumns.Im2ColNd"/>.
    /// </summary>
    public void Im2Col(IMath ops, ReadOnlySpan<float> image, int channels, ReadOnlySpan<int> imageShape, ReadOnlySpan<int> columnShape, Span<float> columns)
    {
        if (Uses2D)
        {
            ops.Im2Col(image, channels, imageShape[0], imageShape[1], Kernel[0], Kernel[1], Pad[0], Pad[1], Stride[0], Stride[1],
                Dilation[0], Dilation[1], columns);
        }
        else
        {
            ImageColumns.Im2ColNd(image, channels, imageShape, columnShape, Kernel, Pad, Stride, Dilation, columns);
        }
    }

    /// <summary>The adjoint of <see cref="Im2Col"/>: overwrites the image with the summed column entries.</summary>
    public void Col2Im(IMath ops, ReadOnlySpan<float> columns, int channels, ReadOnlySpan<int> imageShape, ReadOnlySpan<int> columnShape, Span<float> image)
    {
        if (Uses2D)
        {
            ops.Col2Im(columns, channels, imageShape[0], imageShape[1], Kernel[0], Kernel[1], Pad[0], Pad[1], Stride[0], Stride[1],
                Dilation[0], Dilation[1], image);
        }
        else
        {
            ImageColumns.Col2ImNd(columns, channels, imageShape, columnShape, Kernel, Pad, Stride, Dilation, image);
        }
    }
}
