using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Engine.Layers;

/// <summary>
/// 2-D im2col / col2im into a column matrix whose rows are longer than one image's output positions, so that several
/// images' columns sit side by side ([C·kh·kw, images·outH·outW]) and one GEMM can cover a whole group of images.
/// Same layout per image as <see cref="Engine.IMath.Im2Col"/>, with <c>rowStride</c> between column rows.
/// </summary>
internal static class StridedColumns
{
    public static void Im2Col(ReadOnlySpan<float> image, int channels, int height, int width, ConvolutionGeometry g,
        Span<float> columns, int rowStride)
    {
        int kh = g.Kernel[0], kw = g.Kernel[1], ph = g.Pad[0], pw = g.Pad[1];
        int sh = g.Stride[0], sw = g.Stride[1], dh = g.Dilation[0], dw = g.Dilation[1];
        int outH = g.OutputSize(0, height), outW = g.OutputSize(1, width);
        if (IsValidUnitStride(g))
        {
            if (image.Length < channels * height * width || columns.Length < (long)(channels * kh * kw - 1) * rowStride + outH * outW)
            {
                throw new ArgumentException("image or column span too short.");
            }
            ref float img = ref MemoryMarshal.GetReference(image);
            ref float col = ref MemoryMarshal.GetReference(columns);
            int r = 0;
            for (int c = 0; c < channels; c++)
            {
                for (int ky = 0; ky < kh; ky++)
                {
                    for (int kx = 0; kx < kw; kx++, r++)
                    {
                        ref float src = ref Unsafe.Add(ref img, (c * height + ky) * width + kx);
                        ref float dst = ref Unsafe.Add(ref col, (nint)r * rowStride);
                        for (int oy = 0; oy < outH; oy++)
                        {
                            Copy(ref Unsafe.Add(ref src, oy * width), ref Unsafe.Add(ref dst, oy * outW), outW);
                        }
                    }
                }
            }
            return;
        }
        int row = 0;
        for (int c = 0; c < channels; c++)
        {
            ReadOnlySpan<float> channel = image.Slice(c * height * width, height * width);
            for (int ky = 0; ky < kh; ky++)
            {
                for (int kx = 0; kx < kw; kx++, row++)
                {
                    Span<float> dst = columns.Slice(row * rowStride, outH * outW);
                    int di = 0;
                    for (int oy = 0; oy < outH; oy++, di += outW)
                    {
                        int iy = oy * sh - ph + ky * dh;
                        Span<float> d = dst.Slice(di, outW);
                        if ((uint)iy >= (uint)height)
                        {
                            d.Clear();
                            continue;
                        }
                        ReadOnlySpan<float> src = channel.Slice(iy * width, width);
                        int ix = kx * dw - pw;
                        if (sw == 1 && ix >= 0 && ix + outW <= width)
                        {
                            Copy(ref Unsafe.Add(ref MemoryMarshal.GetReference(src), ix), ref MemoryMarshal.GetReference(d), outW);
                            continue;
                        }
                        for (int ox = 0; ox < outW; ox++, ix += sw)
                        {
                            d[ox] = (uint)ix < (uint)width ? src[ix] : 0f;
                        }
                    }
                }
            }
        }
    }

    /// <summary>The adjoint of <see cref="Im2Col"/>: overwrites <paramref name="image"/> with the summed column entries.</summary>
    public static void Col2Im(ReadOnlySpan<float> columns, int rowStride, int channels, int height, int width, ConvolutionGeometry g,
        Span<float> image)
    {
        int kh = g.Kernel[0], kw = g.Kernel[1], ph = g.Pad[0], pw = g.Pad[1];
        int sh = g.Stride[0], sw = g.Stride[1], dh = g.Dilation[0], dw = g.Dilation[1];
        int outH = g.OutputSize(0, height), outW = g.OutputSize(1, width);
        image.Slice(0, channels * height * width).Clear();
        if (IsValidUnitStride(g))
        {
            if (columns.Length < (long)(channels * kh * kw - 1) * rowStride + outH * outW)
            {
                throw new ArgumentException("column span too short.");
            }
            ref float img = ref MemoryMarshal.GetReference(image);
            ref float col = ref MemoryMarshal.GetReference(columns);
            int r = 0;
            for (int c = 0; c < channels; c++)
            {
                for (int ky = 0; ky < kh; ky++)
                {
                    for (int kx = 0; kx < kw; kx++, r++)
                    {
                        ref float dst = ref Unsafe.Add(ref img, (c * height + ky) * width + kx);
                        ref float src = ref Unsafe.Add(ref col, (nint)r * rowStride);
                        for (int oy = 0; oy < outH; oy++)
                        {
                            AddTo(ref Unsafe.Add(ref src, oy * outW), ref Unsafe.Add(ref dst, oy * width), outW);
                        }
                    }
                }
            }
            return;
        }
        int row = 0;
        for (int c = 0; c < channels; c++)
        {
            Span<float> channel = image.Slice(c * height * width, height * width);
            for (int ky = 0; ky < kh; ky++)
            {
                for (int kx = 0; kx < kw; kx++, row++)
                {
                    ReadOnlySpan<float> src = columns.Slice(row * rowStride, outH * outW);
                    int si = 0;
                    for (int oy = 0; oy < outH; oy++, si += outW)
                    {
                        int iy = oy * sh - ph + ky * dh;
                        if ((uint)iy >= (uint)height)
                        {
                            continue;
                        }
                        Span<float> dst = channel.Slice(iy * width, width);
                        ReadOnlySpan<float> s = src.Slice(si, outW);
                        int ix = kx * dw - pw;
                        if (sw == 1 && ix >= 0 && ix + outW <= width)
                        {
                            AddTo(ref MemoryMarshal.GetReference(s), ref Unsafe.Add(ref MemoryMarshal.GetReference(dst), ix), outW);
                            continue;
                        }
                        for (int ox = 0; ox < outW; ox++, ix += sw)
                        {
                            if ((uint)ix < (uint)width)
                            {
                                dst[ix] += s[ox];
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>No padding, stride 1, dilation 1: every window lies inside the image, so rows copy without checks.</summary>
    private static bool IsValidUnitStride(ConvolutionGeometry g)
        => g.Pad[0] == 0 && g.Pad[1] == 0 && g.Stride[0] == 1 && g.Stride[1] == 1 && g.Dilation[0] == 1 && g.Dilation[1] == 1;

    // Rows here are short (8 to 24 floats in LeNet): inline vector loops beat a library call per row.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy(ref float src, ref float dst, int n)
    {
        int x = 0;
        for (; x + 8 <= n; x += 8)
        {
            Vector256.StoreUnsafe(Vector256.LoadUnsafe(ref src, (nuint)x), ref dst, (nuint)x);
        }
        for (; x < n; x++)
        {
            Unsafe.Add(ref dst, x) = Unsafe.Add(ref src, x);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddTo(ref float src, ref float dst, int n)
    {
        int x = 0;
        for (; x + 8 <= n; x += 8)
        {
            Vector256.StoreUnsafe(Vector256.LoadUnsafe(ref dst, (nuint)x) + Vector256.LoadUnsafe(ref src, (nuint)x), ref dst, (nuint)x);
        }
        for (; x < n; x++)
        {
            Unsafe.Add(ref dst, x) += Unsafe.Add(ref src, x);
        }
    }
}
