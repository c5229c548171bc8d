using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Engine.Layers;

/// <summary>
/// Forward convolution of one image straight from the image, without im2col: for the small, unpadded, stride-1 layers of
/// LeNet-like nets the column buffer and the GEMM's packing of both operands cost as much as the multiply-adds themselves.
/// Eight adjacent outputs of a row form a vector; a block of four such vectors and four output channels keeps sixteen
/// accumulators in registers while the loop runs over input channels and kernel taps, loading each input vector once for
/// four channels and each weight once for four vectors. The bias is the accumulators' starting value.
/// </summary>
internal static unsafe class DirectConvolution
{
    private const int Lanes = 8;
    private const int Slots = 4;
    private const int ChannelBlock = 4;
    private const int WideChannelBlock = 5;

    /// <summary>Whether <see cref="Forward"/> handles this geometry on this machine.</summary>
    public static bool Supports(ConvolutionGeometry g, int group, int outHeight, int outWidth) =>
        Fma.IsSupported && Vector256.IsHardwareAccelerated && g.Uses2D && group == 1
        && g.Stride[0] == 1 && g.Stride[1] == 1 && g.Pad[0] == 0 && g.Pad[1] == 0 && g.Dilation[0] == 1 && g.Dilation[1] == 1
        && outWidth % Lanes == 0 && outHeight * (outWidth / Lanes) % Slots == 0;

    /// <summary>
    /// y (outputs × oh × ow) = w (outputs × channels × kh × kw) ⋆ x (channels × height × width) + bias, with oh = height − kh + 1
    /// and ow = width − kw + 1; <paramref name="bias"/> may be null.
    /// </summary>
    public static void Forward(float* x, int channels, int height, int width, float* w, float* bias, int outputs, int kh, int kw, float* y)
    {
        int oh = height - kh + 1, ow = width - kw + 1;
        int vectorsPerRow = ow / Lanes;
        int slots = oh * vectorsPerRow;
        int taps = channels * kh * kw;
        int o = 0;
        int* offsets = SlotOffsets(slots, vectorsPerRow, width, ow);
        // Wide path: a 512-bit accumulator covers two 8-output vectors (two rows when the output is 8 wide), halving the FMAs.
        bool wide = Avx512F.IsSupported && slots % (2 * Slots) == 0;
        // Five channels first: 20 accumulators share each input vector, amortising its loads and inserts over more FMAs.
        for (; wide && o + WideChannelBlock <= outputs; o += WideChannelBlock)
        {
            for (int s = 0; s < slots; s += 2 * Slots)
            {
                Block5Wide(x, height, width, channels, kh, kw, w + (long)o * taps, taps, bias is null ? null : bias + o,
                    y + (long)o * oh * ow, oh * ow, s, offsets);
            }
        }
        for (; wide && o + ChannelBlock <= outputs; o += ChannelBlock)
        {
            for (int s = 0; s < slots; s += 2 * Slots)
            {
                Block4Wide(x, height, width, channels, kh, kw, w + (long)o * taps, taps, bias is null ? null : bias + o,
                    y + (long)o * oh * ow, oh * ow, s, offsets);
            }
        }
        for (; o + ChannelBlock <= outputs; o += ChannelBlock)
        {
            for (int s = 0; s < slots; s += Slots)
            {
                Block4(x, height, width, channels, kh, kw, w + (long)o * taps, taps, bias is null ? null : bias + o,
                    y + (long)o * oh * ow, oh * ow, s, offsets);
            }
        }
        for (; o < outputs; o++)
        {
            for (int s = 0; s < slots; s += Slots)
            {
                Block1(x, height, width, channels, kh, kw, w + (long)o * taps, bias is null ? null : bias + o,
                    y + (long)o * oh * ow, s, offsets);
            }
        }
    }

    /// <summary>
    /// Whether <see cref="ForwardMaxPool2x2"/> handles this geometry: the direct path with an even number of output rows and
    /// a whole number of four-pair blocks, each pair being the same 8 columns of two successive output rows.
    /// </summary>
    public static bool SupportsMaxPool2x2(ConvolutionGeometry g, int group, int outHeight, int outWidth) =>
        Supports(g, group, outHeight, outWidth) && Avx512F.IsSupported && outHeight % 2 == 0 && outHeight / 2 * (outWidth / Lanes) % Slots == 0;

    /// <summary>
    /// <see cref="Forward"/> followed by Caffe's 2×2 stride-2 max pooling (same strict comparisons in the same order as
    /// <c>PoolingLayer</c>'s), without the convolution output ever leaving the registers: <paramref name="pooled"/> gets
    /// outputs × (oh / 2) × (ow / 2). The sums are <see cref="Forward"/>'s (same blocks, same order), so the values are too.
    /// </summary>
    public static void ForwardMaxPool2x2(float* x, int channels, int height, int width, float* w, float* bias, int outputs, int kh, int kw,
        float* pooled)
    {
        int oh = height - kh + 1, ow = width - kw + 1;
        int vectorsPerRow = ow / Lanes, pairs = oh / 2 * vectorsPerRow;
        int pooledPlane = oh / 2 * (ow / 2), taps = channels * kh * kw;
        int* offsets = PairOffsets(pairs, vectorsPerRow, width, ow / 2);
        int o = 0;
        for (; o + WideChannelBlock <= outputs; o += WideChannelBlock)
        {
            for (int t = 0; t < pairs; t += Slots)
            {
                Block5Pooled(x, height, width, channels, kh, kw, w + (long)o * taps, taps, bias is null ? null : bias + o,
                    pooled + (long)o * pooledPlane, pooledPlane, t, offsets);
            }
        }
        if (o < outputs)
        {
            // The last few channels: the plain path into scratch, then the same pooling rule.
            int left = outputs - o;
            float* full = Scratch(ref t_leftover, left * oh * ow);
            Forward(x, channels, height, width, w + (long)o * taps, bias is null ? null : bias + o, left, kh, kw, full);
            for (int c = 0; c < left; c++)
            {
                float* src = full + (long)c * oh * ow;
                float* dst = pooled + (long)(o + c) * pooledPlane;
                for (int r = 0; r < oh / 2; r++)
                {
                    for (int q = 0; q < ow / 2; q++)
                    {
                        float* r0 = src + 2 * r * ow + 2 * q, r1 = r0 + ow;
                        float best = -float.MaxValue;
                        if (r0[0] > best) best = r0[0];
                        if (r0[1] > best) best = r0[1];
                        if (r1[0] > best) best = r1[0];
                        if (r1[1] > best) best = r1[1];
                        dst[r * (ow / 2) + q] = best;
                    }
                }
            }
        }
    }

    [ThreadStatic]
    private static float[]? t_leftover;

    [ThreadStatic]
    private static int[]? t_pairs;

    private static float* Scratch(ref float[]? buffer, int size)
    {
        if (buffer is null || buffer.Length < size)
        {
            buffer = GC.AllocateUninitializedArray<float>(Math.Max(size, 1), pinned: true);
        }
        return (float*)Unsafe.AsPointer(ref buffer[0]);
    }

    /// <summary>Per pair of output rows 2r, 2r+1 at columns 8q..8q+7: its input offset and its pooled output offset.</summary>
    private static int* PairOffsets(int pairs, int vectorsPerRow, int width, int pooledWidth)
    {
        int[] table = t_pairs is { } t && t.Length >= 2 * pairs ? t : (t_pairs = GC.AllocateUninitializedArray<int>(2 * pairs, pinned: true));
        int* offsets = (int*)Unsafe.AsPointer(ref table[0]);
        int pair = 0;
        for (int r = 0; pair < pairs; r++)
        {
            for (int q = 0; q < vectorsPerRow; q++, pair++)
            {
                offsets[2 * pair] = 2 * r * width + q * Lanes;
                offsets[2 * pair + 1] = r * pooledWidth + q * Lanes / 2;
            }
        }
        return offsets;
    }

    /// <summary>
    /// <see cref="Block5Wide"/> over four row pairs, each accumulator holding 8 columns of output rows 2r (low half) and
    /// 2r+1 (high half), pooled on the way out.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block5Pooled(float* x, int height, int width, int channels, int kh, int kw, float* w, int taps, float* bias,
        float* y, int plane, int pair, int* offsets)
    {
        int i0 = offsets[2 * pair], i1 = offsets[2 * pair + 2], i2 = offsets[2 * pair + 4], i3 = offsets[2 * pair + 6];
        int o0 = offsets[2 * pair + 1], o1 = offsets[2 * pair + 3], o2 = offsets[2 * pair + 5], o3 = offsets[2 * pair + 7];
        Vector512<float> b0 = bias is null ? default : Vector512.Create(bias[0]);
        Vector512<float> b1 = bias is null ? default : Vector512.Create(bias[1]);
        Vector512<float> b2 = bias is null ? default : Vector512.Create(bias[2]);
        Vector512<float> b3 = bias is null ? default : Vector512.Create(bias[3]);
        Vector512<float> b4 = bias is null ? default : Vector512.Create(bias[4]);
        Vector512<float> a00 = b0, a01 = b0, a02 = b0, a03 = b0;
        Vector512<float> a10 = b1, a11 = b1, a12 = b1, a13 = b1;
        Vector512<float> a20 = b2, a21 = b2, a22 = b2, a23 = b2;
        Vector512<float> a30 = b3, a31 = b3, a32 = b3, a33 = b3;
        Vector512<float> a40 = b4, a41 = b4, a42 = b4, a43 = b4;
        float* w0 = w, w1 = w + taps, w2 = w + 2 * taps, w3 = w + 3 * taps, w4 = w + 4 * taps;
        int planeIn = height * width;
        for (int c = 0; c < channels; c++)
        {
            float* xc = x + (long)c * planeIn;
            for (int ky = 0; ky < kh; ky++)
            {
                float* row = xc + ky * width;
                for (int kx = 0; kx < kw; kx++)
                {
                    float* r = row + kx;
                    Vector512<float> x0 = Pair(r, i0, i0 + width), x1 = Pair(r, i1, i1 + width);
                    Vector512<float> x2 = Pair(r, i2, i2 + width), x3 = Pair(r, i3, i3 + width);
                    Vector512<float> v = Vector512.Create(*w0++);
                    a00 = Avx512F.FusedMultiplyAdd(x0, v, a00); a01 = Avx512F.FusedMultiplyAdd(x1, v, a01);
                    a02 = Avx512F.FusedMultiplyAdd(x2, v, a02); a03 = Avx512F.FusedMultiplyAdd(x3, v, a03);
                    v = Vector512.Create(*w1++);
                    a10 = Avx512F.FusedMultiplyAdd(x0, v, a10); a11 = Avx512F.FusedMultiplyAdd(x1, v, a11);
                    a12 = Avx512F.FusedMultiplyAdd(x2, v, a12); a13 = Avx512F.FusedMultiplyAdd(x3, v, a13);
                    v = Vector512.Create(*w2++);
                    a20 = Avx512F.FusedMultiplyAdd(x0, v, a20); a21 = Avx512F.FusedMultiplyAdd(x1, v, a21);
                    a22 = Avx512F.FusedMultiplyAdd(x2, v, a22); a23 = Avx512F.FusedMultiplyAdd(x3, v, a23);
                    v = Vector512.Create(*w3++);
                    a30 = Avx512F.FusedMultiplyAdd(x0, v, a30); a31 = Avx512F.FusedMultiplyAdd(x1, v, a31);
                    a32 = Avx512F.FusedMultiplyAdd(x2, v, a32); a33 = Avx512F.FusedMultiplyAdd(x3, v, a33);
                    v = Vector512.Create(*w4++);
                    a40 = Avx512F.FusedMultiplyAdd(x0, v, a40); a41 = Avx512F.FusedMultiplyAdd(x1, v, a41);
                    a42 = Avx512F.FusedMultiplyAdd(x2, v, a42); a43 = Avx512F.FusedMultiplyAdd(x3, v, a43);
                }
            }
        }
        Pool(a00, y + o0); Pool(a01, y + o1); Pool(a02, y + o2); Pool(a03, y + o3);
        y += plane;
        Pool(a10, y + o0); Pool(a11, y + o1); Pool(a12, y + o2); Pool(a13, y + o3);
        y += plane;
        Pool(a20, y + o0); Pool(a21, y + o1); Pool(a22, y + o2); Pool(a23, y + o3);
        y += plane;
        Pool(a30, y + o0); Pool(a31, y + o1); Pool(a32, y + o2); Pool(a33, y + o3);
        y += plane;
        Pool(a40, y + o0); Pool(a41, y + o1); Pool(a42, y + o2); Pool(a43, y + o3);
    }

    /// <summary>
    /// The four 2×2 maxima of 8 columns of two rows (low and high half of <paramref name="v"/>): per window the strict
    /// comparisons top-left, top-right, bottom-left, bottom-right against −float.MaxValue, as the pooling layer does.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pool(Vector512<float> v, float* y)
    {
        Vector256<float> top = v.GetLower(), bottom = v.GetUpper();
        Vector128<float> t0 = top.GetLower(), t1 = top.GetUpper(), u0 = bottom.GetLower(), u1 = bottom.GetUpper();
        Vector128<float> best = Larger(Sse.Shuffle(t0, t1, 0x88), Vector128.Create(-float.MaxValue));
        best = Larger(Sse.Shuffle(t0, t1, 0xDD), best);
        best = Larger(Sse.Shuffle(u0, u1, 0x88), best);
        Larger(Sse.Shuffle(u0, u1, 0xDD), best).Store(y);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Larger(Vector128<float> v, Vector128<float> best) =>
        Vector128.ConditionalSelect(Vector128.GreaterThan(v, best), v, best);

    [ThreadStatic]
    private static int[]? t_offsets;

    /// <summary>
    /// Input and output offsets of every vector slot (pairs), worked out once per image instead of by a division in each
    /// block for every channel block. Kept per thread (images run in parallel) and grown once.
    /// </summary>
    private static int* SlotOffsets(int slots, int vectorsPerRow, int width, int ow)
    {
        int[] table = t_offsets is { } t && t.Length >= 2 * slots ? t : (t_offsets = GC.AllocateUninitializedArray<int>(2 * slots, pinned: true));
        int* offsets = (int*)Unsafe.AsPointer(ref table[0]);
        int slot = 0;
        for (int row = 0; slot < slots; row++)
        {
            for (int col = 0; col < vectorsPerRow * Lanes; col += Lanes, slot++)
            {
                offsets[2 * slot] = row * width + col;
                offsets[2 * slot + 1] = row * ow + col;
            }
        }
        return offsets;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block4(float* x, int height, int width, int channels, int kh, int kw, float* w, int taps, float* bias,
        float* y, int plane, int slot, int* offsets)
    {
        (int in0, int out0) = (offsets[2 * (slot)], offsets[2 * (slot) + 1]);
        (int in1, int out1) = (offsets[2 * (slot + 1)], offsets[2 * (slot + 1) + 1]);
        (int in2, int out2) = (offsets[2 * (slot + 2)], offsets[2 * (slot + 2) + 1]);
        (int in3, int out3) = (offsets[2 * (slot + 3)], offsets[2 * (slot + 3) + 1]);
        Vector256<float> b0 = bias is null ? default : Vector256.Create(bias[0]);
        Vector256<float> b1 = bias is null ? default : Vector256.Create(bias[1]);
        Vector256<float> b2 = bias is null ? default : Vector256.Create(bias[2]);
        Vector256<float> b3 = bias is null ? default : Vector256.Create(bias[3]);
        Vector256<float> a00 = b0, a01 = b0, a02 = b0, a03 = b0;
        Vector256<float> a10 = b1, a11 = b1, a12 = b1, a13 = b1;
        Vector256<float> a20 = b2, a21 = b2, a22 = b2, a23 = b2;
        Vector256<float> a30 = b3, a31 = b3, a32 = b3, a33 = b3;
        float* w0 = w, w1 = w + taps, w2 = w + 2 * taps, w3 = w + 3 * taps;
        int planeIn = height * width;
        for (int c = 0; c < channels; c++)
        {
            float* xc = x + (long)c * planeIn;
            for (int ky = 0; ky < kh; ky++)
            {
                float* row = xc + ky * width;
                float* p0 = row + in0, p1 = row + in1, p2 = row + in2, p3 = row + in3;
                for (int kx = 0; kx < kw; kx++)
                {
                    Vector256<float> x0 = Vector256.Load(p0 + kx), x1 = Vector256.Load(p1 + kx);
                    Vector256<float> x2 = Vector256.Load(p2 + kx), x3 = Vector256.Load(p3 + kx);
                    Vector256<float> v = Vector256.Create(*w0++);
                    a00 = Fma.MultiplyAdd(x0, v, a00); a01 = Fma.MultiplyAdd(x1, v, a01);
                    a02 = Fma.MultiplyAdd(x2, v, a02); a03 = Fma.MultiplyAdd(x3, v, a03);
                    v = Vector256.Create(*w1++);
                    a10 = Fma.MultiplyAdd(x0, v, a10); a11 = Fma.MultiplyAdd(x1, v, a11);
                    a12 = Fma.MultiplyAdd(x2, v, a12); a13 = Fma.MultiplyAdd(x3, v, a13);
                    v = Vector256.Create(*w2++);
                    a20 = Fma.MultiplyAdd(x0, v, a20); a21 = Fma.MultiplyAdd(x1, v, a21);
                    a22 = Fma.MultiplyAdd(x2, v, a22); a23 = Fma.MultiplyAdd(x3, v, a23);
                    v = Vector256.Create(*w3++);
                    a30 = Fma.MultiplyAdd(x0, v, a30); a31 = Fma.MultiplyAdd(x1, v, a31);
                    a32 = Fma.MultiplyAdd(x2, v, a32); a33 = Fma.MultiplyAdd(x3, v, a33);
                }
            }
        }
        float* y0 = y, y1 = y + plane, y2 = y + 2 * plane, y3 = y + 3 * plane;
        a00.Store(y0 + out0); a01.Store(y0 + out1); a02.Store(y0 + out2); a03.Store(y0 + out3);
        a10.Store(y1 + out0); a11.Store(y1 + out1); a12.Store(y1 + out2); a13.Store(y1 + out3);
        a20.Store(y2 + out0); a21.Store(y2 + out1); a22.Store(y2 + out2); a23.Store(y2 + out3);
        a30.Store(y3 + out0); a31.Store(y3 + out1); a32.Store(y3 + out2); a33.Store(y3 + out3);
    }

    /// <summary>Input vector of a wide slot: its two 8-output halves, each loaded from its own place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Pair(float* row, int low, int high) =>
        Vector512.Create(Vector256.Load(row + low), Vector256.Load(row + high));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block4Wide(float* x, int height, int width, int channels, int kh, int kw, float* w, int taps, float* bias,
        float* y, int plane, int slot, int* offsets)
    {
        (int i0, int o0) = (offsets[2 * (slot)], offsets[2 * (slot) + 1]);
        (int i1, int o1) = (offsets[2 * (slot + 1)], offsets[2 * (slot + 1) + 1]);
        (int i2, int o2) = (offsets[2 * (slot + 2)], offsets[2 * (slot + 2) + 1]);
        (int i3, int o3) = (offsets[2 * (slot + 3)], offsets[2 * (slot + 3) + 1]);
        (int i4, int o4) = (offsets[2 * (slot + 4)], offsets[2 * (slot + 4) + 1]);
        (int i5, int o5) = (offsets[2 * (slot + 5)], offsets[2 * (slot + 5) + 1]);
        (int i6, int o6) = (offsets[2 * (slot + 6)], offsets[2 * (slot + 6) + 1]);
        (int i7, int o7) = (offsets[2 * (slot + 7)], offsets[2 * (slot + 7) + 1]);
        Vector512<float> b0 = bias is null ? default : Vector512.Create(bias[0]);
        Vector512<float> b1 = bias is null ? default : Vector512.Create(bias[1]);
        Vector512<float> b2 = bias is null ? default : Vector512.Create(bias[2]);
        Vector512<float> b3 = bias is null ? default : Vector512.Create(bias[3]);
        Vector512<float> a00 = b0, a01 = b0, a02 = b0, a03 = b0;
        Vector512<float> a10 = b1, a11 = b1, a12 = b1, a13 = b1;
        Vector512<float> a20 = b2, a21 = b2, a22 = b2, a23 = b2;
        Vector512<float> a30 = b3, a31 = b3, a32 = b3, a33 = b3;
        float* w0 = w, w1 = w + taps, w2 = w + 2 * taps, w3 = w + 3 * taps;
        int planeIn = height * width;
        for (int c = 0; c < channels; c++)
        {
            float* xc = x + (long)c * planeIn;
            for (int ky = 0; ky < kh; ky++)
            {
                float* row = xc + ky * width;
                for (int kx = 0; kx < kw; kx++)
                {
                    float* r = row + kx;
                    Vector512<float> x0 = Pair(r, i0, i1), x1 = Pair(r, i2, i3), x2 = Pair(r, i4, i5), x3 = Pair(r, i6, i7);
                    Vector512<float> v = Vector512.Create(*w0++);
                    a00 = Avx512F.FusedMultiplyAdd(x0, v, a00); a01 = Avx512F.FusedMultiplyAdd(x1, v, a01);
                    a02 = Avx512F.FusedMultiplyAdd(x2, v, a02); a03 = Avx512F.FusedMultiplyAdd(x3, v, a03);
                    v = Vector512.Create(*w1++);
                    a10 = Avx512F.FusedMultiplyAdd(x0, v, a10); a11 = Avx512F.FusedMultiplyAdd(x1, v, a11);
                    a12 = Avx512F.FusedMultiplyAdd(x2, v, a12); a13 = Avx512F.FusedMultiplyAdd(x3, v, a13);
                    v = Vector512.Create(*w2++);
                    a20 = Avx512F.FusedMultiplyAdd(x0, v, a20); a21 = Avx512F.FusedMultiplyAdd(x1, v, a21);
                    a22 = Avx512F.FusedMultiplyAdd(x2, v, a22); a23 = Avx512F.FusedMultiplyAdd(x3, v, a23);
                    v = Vector512.Create(*w3++);
                    a30 = Avx512F.FusedMultiplyAdd(x0, v, a30); a31 = Avx512F.FusedMultiplyAdd(x1, v, a31);
                    a32 = Avx512F.FusedMultiplyAdd(x2, v, a32); a33 = Avx512F.FusedMultiplyAdd(x3, v, a33);
                }
            }
        }
        Store(a00, y, o0, o1); Store(a01, y, o2, o3); Store(a02, y, o4, o5); Store(a03, y, o6, o7);
        y += plane;
        Store(a10, y, o0, o1); Store(a11, y, o2, o3); Store(a12, y, o4, o5); Store(a13, y, o6, o7);
        y += plane;
        Store(a20, y, o0, o1); Store(a21, y, o2, o3); Store(a22, y, o4, o5); Store(a23, y, o6, o7);
        y += plane;
        Store(a30, y, o0, o1); Store(a31, y, o2, o3); Store(a32, y, o4, o5); Store(a33, y, o6, o7);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block5Wide(float* x, int height, int width, int channels, int kh, int kw, float* w, int taps, float* bias,
        float* y, int plane, int slot, int* offsets)
    {
        (int i0, int o0) = (offsets[2 * (slot)], offsets[2 * (slot) + 1]);
        (int i1, int o1) = (offsets[2 * (slot + 1)], offsets[2 * (slot + 1) + 1]);
        (int i2, int o2) = (offsets[2 * (slot + 2)], offsets[2 * (slot + 2) + 1]);
        (int i3, int o3) = (offsets[2 * (slot + 3)], offsets[2 * (slot + 3) + 1]);
        (int i4, int o4) = (offsets[2 * (slot + 4)], offsets[2 * (slot + 4) + 1]);
        (int i5, int o5) = (offsets[2 * (slot + 5)], offsets[2 * (slot + 5) + 1]);
        (int i6, int o6) = (offsets[2 * (slot + 6)], offsets[2 * (slot + 6) + 1]);
        (int i7, int o7) = (offsets[2 * (slot + 7)], offsets[2 * (slot + 7) + 1]);
        Vector512<float> b0 = bias is null ? default : Vector512.Create(bias[0]);
        Vector512<float> b1 = bias is null ? default : Vector512.Create(bias[1]);
        Vector512<float> b2 = bias is null ? default : Vector512.Create(bias[2]);
        Vector512<float> b3 = bias is null ? default : Vector512.Create(bias[3]);
        Vector512<float> b4 = bias is null ? default : Vector512.Create(bias[4]);
        Vector512<float> a00 = b0, a01 = b0, a02 = b0, a03 = b0;
        Vector512<float> a10 = b1, a11 = b1, a12 = b1, a13 = b1;
        Vector512<float> a20 = b2, a21 = b2, a22 = b2, a23 = b2;
        Vector512<float> a30 = b3, a31 = b3, a32 = b3, a33 = b3;
        Vector512<float> a40 = b4, a41 = b4, a42 = b4, a43 = b4;
        float* w0 = w, w1 = w + taps, w2 = w + 2 * taps, w3 = w + 3 * taps, w4 = w + 4 * taps;
        int planeIn = height * width;
        for (int c = 0; c < channels; c++)
        {
            float* xc = x + (long)c * planeIn;
            for (int ky = 0; ky < kh; ky++)
            {
                float* row = xc + ky * width;
                for (int kx = 0; kx < kw; kx++)
                {
                    float* r = row + kx;
                    Vector512<float> x0 = Pair(r, i0, i1), x1 = Pair(r, i2, i3), x2 = Pair(r, i4, i5), x3 = Pair(r, i6, i7);
                    Vector512<float> v = Vector512.Create(*w0++);
                    a00 = Avx512F.FusedMultiplyAdd(x0, v, a00); a01 = Avx512F.FusedMultiplyAdd(x1, v, a01);
                    a02 = Avx512F.FusedMultiplyAdd(x2, v, a02); a03 = Avx512F.FusedMultiplyAdd(x3, v, a03);
                    v = Vector512.Create(*w1++);
                    a10 = Avx512F.FusedMultiplyAdd(x0, v, a10); a11 = Avx512F.FusedMultiplyAdd(x1, v, a11);
                    a12 = Avx512F.FusedMultiplyAdd(x2, v, a12); a13 = Avx512F.FusedMultiplyAdd(x3, v, a13);
                    v = Vector512.Create(*w2++);
                    a20 = Avx512F.FusedMultiplyAdd(x0, v, a20); a21 = Avx512F.FusedMultiplyAdd(x1, v, a21);
                    a22 = Avx512F.FusedMultiplyAdd(x2, v, a22); a23 = Avx512F.FusedMultiplyAdd(x3, v, a23);
                    v = Vector512.Create(*w3++);
                    a30 = Avx512F.FusedMultiplyAdd(x0, v, a30); a31 = Avx512F.FusedMultiplyAdd(x1, v, a31);
                    a32 = Avx512F.FusedMultiplyAdd(x2, v, a32); a33 = Avx512F.FusedMultiplyAdd(x3, v, a33);
                    v = Vector512.Create(*w4++);
                    a40 = Avx512F.FusedMultiplyAdd(x0, v, a40); a41 = Avx512F.FusedMultiplyAdd(x1, v, a41);
                    a42 = Avx512F.FusedMultiplyAdd(x2, v, a42); a43 = Avx512F.FusedMultiplyAdd(x3, v, a43);
                }
            }
        }
        Store(a00, y, o0, o1); Store(a01, y, o2, o3); Store(a02, y, o4, o5); Store(a03, y, o6, o7);
        y += plane;
        Store(a10, y, o0, o1); Store(a11, y, o2, o3); Store(a12, y, o4, o5); Store(a13, y, o6, o7);
        y += plane;
        Store(a20, y, o0, o1); Store(a21, y, o2, o3); Store(a22, y, o4, o5); Store(a23, y, o6, o7);
        y += plane;
        Store(a30, y, o0, o1); Store(a31, y, o2, o3); Store(a32, y, o4, o5); Store(a33, y, o6, o7);
        y += plane;
        Store(a40, y, o0, o1); Store(a41, y, o2, o3); Store(a42, y, o4, o5); Store(a43, y, o6, o7);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector512<float> v, float* y, int low, int high)
    {
        v.GetLower().Store(y + low);
        v.GetUpper().Store(y + high);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block1(float* x, int height, int width, int channels, int kh, int kw, float* w, float* bias,
        float* y, int slot, int* offsets)
    {
        (int in0, int out0) = (offsets[2 * (slot)], offsets[2 * (slot) + 1]);
        (int in1, int out1) = (offsets[2 * (slot + 1)], offsets[2 * (slot + 1) + 1]);
        (int in2, int out2) = (offsets[2 * (slot + 2)], offsets[2 * (slot + 2) + 1]);
        (int in3, int out3) = (offsets[2 * (slot + 3)], offsets[2 * (slot + 3) + 1]);
        Vector256<float> b = bias is null ? default : Vector256.Create(bias[0]);
        Vector256<float> a0 = b, a1 = b, a2 = b, a3 = b;
        int planeIn = height * width;
        for (int c = 0; c < channels; c++)
        {
            float* xc = x + (long)c * planeIn;
            for (int ky = 0; ky < kh; ky++)
            {
                float* row = xc + ky * width;
                for (int kx = 0; kx < kw; kx++)
                {
                    Vector256<float> v = Vector256.Create(*w++);
                    a0 = Fma.MultiplyAdd(Vector256.Load(row + in0 + kx), v, a0);
                    a1 = Fma.MultiplyAdd(Vector256.Load(row + in1 + kx), v, a1);
                    a2 = Fma.MultiplyAdd(Vector256.Load(row + in2 + kx), v, a2);
                    a3 = Fma.MultiplyAdd(Vector256.Load(row + in3 + kx), v, a3);
                }
            }
        }
        a0.Store(y + out0); a1.Store(y + out1); a2.Store(y + out2); a3.Store(y + out3);
    }
}
