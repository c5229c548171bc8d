namespace Engine.Layers;

/// <summary>
/// im2col / col2im for any number of spatial axes (the backend's fast kernels cover 2-D only). Column row
/// c·Πk + kernel offset (row-major over the kernel axes) holds, for every output position (row-major), the input value
/// at position·stride − pad + offset·dilation, or 0 outside the image.
/// </summary>
internal static class ImageColumns
{
    /// <summary>Largest number of spatial axes handled (index scratch lives on the stack).</summary>
    private const int MaxSpatialAxes = 32;

    public static void Im2ColNd(ReadOnlySpan<float> image, int channels, ReadOnlySpan<int> imageShape, ReadOnlySpan<int> columnShape,
        ReadOnlySpan<int> kernel, ReadOnlySpan<int> pad, ReadOnlySpan<int> stride, ReadOnlySpan<int> dilation, Span<float> columns)
        => Walk(image, columns, default, channels, imageShape, columnShape, kernel, pad, stride, dilation, gather: true);

    public static void Col2ImNd(ReadOnlySpan<float> columns, int channels, ReadOnlySpan<int> imageShape, ReadOnlySpan<int> columnShape,
        ReadOnlySpan<int> kernel, ReadOnlySpan<int> pad, ReadOnlySpan<int> stride, ReadOnlySpan<int> dilation, Span<float> image)
    {
        int imageCount = Product(imageShape);
        image.Slice(0, channels * imageCount).Clear();
        Walk(columns, default, image, channels, imageShape, columnShape, kernel, pad, stride, dilation, gather: false);
    }

    private static int Product(ReadOnlySpan<int> dims)
    {
        int p = 1;
        foreach (int d in dims)
        {
            p *= d;
        }
        return p;
    }

    /// <summary>
    /// One traversal for both directions. gather: columns[row, j] = image[...] (source = image, columns = target).
    /// scatter: image[...] += columns[row, j] (source = columns, image = scatterTarget).
    /// </summary>
    private static void Walk(ReadOnlySpan<float> source, Span<float> columns, Span<float> scatterTarget, int channels,
        ReadOnlySpan<int> imageShape, ReadOnlySpan<int> columnShape, ReadOnlySpan<int> kernel, ReadOnlySpan<int> pad,
        ReadOnlySpan<int> stride, ReadOnlySpan<int> dilation, bool gather)
    {
        int axes = kernel.Length;
        if (axes > MaxSpatialAxes)
        {
            throw new ArgumentException($"at most {MaxSpatialAxes} spatial axes are supported, got {axes}.");
        }
        int imageCount = Product(imageShape);
        int columnCount = Product(columnShape);
        int kernelCount = Product(kernel);
        Span<int> offset = stackalloc int[Math.Max(axes, 1)];
        Span<int> position = stackalloc int[Math.Max(axes, 1)];
        int last = axes - 1;
        int lastSize = axes > 0 ? columnShape[last] : 1;
        int outer = axes > 0 ? columnCount / Math.Max(lastSize, 1) : 1;
        int row = 0;
        for (int c = 0; c < channels; c++)
        {
            int imageBase = c * imageCount;
            for (int k = 0; k < kernelCount; k++, row++)
            {
                int rest = k;
                for (int a = last; a >= 0; a--)
                {
                    offset[a] = rest % kernel[a];
                    rest /= kernel[a];
                }
                int rowBase = row * columnCount;
                if (axes == 0)
                {
                    if (gather)
                    {
                        columns[rowBase] = source[imageBase];
                    }
                    else
                    {
                        scatterTarget[imageBase] += source[rowBase];
                    }
                    continue;
                }
                position.Slice(0, axes).Clear();
                int lastStart = offset[last] * dilation[last] - pad[last];
                int lastStride = stride[last];
                int lastExtent = imageShape[last];
                for (int o = 0; o < outer; o++)
                {
                    bool inside = true;
                    int imageOffset = 0;
                    for (int a = 0; a < last; a++)
                    {
                        int ia = position[a] * stride[a] - pad[a] + offset[a] * dilation[a];
                        inside &= (uint)ia < (uint)imageShape[a];
                        imageOffset = imageOffset * imageShape[a] + ia;
                    }
                    imageOffset = imageBase + imageOffset * lastExtent;
                    int j = rowBase + o * lastSize;
                    if (gather)
                    {
                        Span<float> dst = columns.Slice(j, lastSize);
                        if (!inside)
                        {
                            dst.Clear();
                        }
                        else
                        {
                            for (int x = 0, ix = lastStart; x < lastSize; x++, ix += lastStride)
                            {
                                dst[x] = (uint)ix < (uint)lastExtent ? source[imageOffset + ix] : 0f;
                            }
                        }
                    }
                    else if (inside)
                    {
                        ReadOnlySpan<float> src = source.Slice(j, lastSize);
                        for (int x = 0, ix = lastStart; x < lastSize; x++, ix += lastStride)
                        {
                            if ((uint)ix < (uint)lastExtent)
                            {
                                scatterTarget[imageOffset + ix] += src[x];
                            }
                        }
                    }
                    for (int a = last - 1; a >= 0; a--)
                    {
                        if (++position[a] < columnShape[a])
                        {
                            break;
                        }
                        position[a] = 0;
                    }
                }
            }
        }
    }
}
