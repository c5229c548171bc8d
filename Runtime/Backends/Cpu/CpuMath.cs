using System.Numerics.Tensors;

namespace Engine.Backends.Cpu;

/// <summary>CPU implementation of <see cref="IMath"/>: TensorPrimitives for element-wise work, <see cref="Sgemm"/> for GEMM.</summary>
public sealed class CpuMath : IMath
{
    private readonly WorkerPool? _pool;

    /// <summary>Creates the math on a worker pool (null: <see cref="WorkerPool.Shared"/>).</summary>
    public CpuMath(WorkerPool? pool) => _pool = pool;

    /// <summary>The pool GEMMs split over; layers use it to split a batch (a GEMM called from inside a loop of it runs inline).</summary>
    internal WorkerPool Pool => _pool ?? WorkerPool.Shared;

    /// <inheritdoc />
    public void Gemm(bool transA, bool transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, ReadOnlySpan<float> b, float beta, Span<float> c)
        => Sgemm.Multiply(transA, transB, m, n, k, alpha, a, transA ? m : k, b, transB ? k : n, beta, c, n, Pool);

    /// <inheritdoc />
    public void Gemv(bool transA, int m, int n, float alpha, ReadOnlySpan<float> a, ReadOnlySpan<float> x, float beta, Span<float> y)
    {
        // y (len m) = A x, or y (len n) = Aᵀ x: both are GEMMs with one thin side.
        if (transA)
        {
            Sgemm.Multiply(false, false, 1, n, m, alpha, x, m, a, n, beta, y, n, Pool);
        }
        else
        {
            Sgemm.Multiply(false, true, 1, m, n, alpha, x, n, a, n, beta, y, m, Pool);
        }
    }

    /// <inheritdoc />
    public void Axpy(float alpha, ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.MultiplyAdd(x, alpha, y, y);

    /// <inheritdoc />
    public void Axpby(float alpha, ReadOnlySpan<float> x, float beta, Span<float> y)
    {
        TensorPrimitives.Multiply(y, beta, y);
        TensorPrimitives.MultiplyAdd(x, alpha, y, y);
    }

    /// <inheritdoc />
    public void Scale(float alpha, ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Multiply(x, alpha, y);

    /// <inheritdoc />
    public void Set(float value, Span<float> y) => y.Fill(value);

    /// <inheritdoc />
    public void AddScalar(float value, Span<float> y) => TensorPrimitives.Add(y, value, y);

    /// <inheritdoc />
    public void Add(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y) => TensorPrimitives.Add(a, b, y);

    /// <inheritdoc />
    public void Sub(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y) => TensorPrimitives.Subtract(a, b, y);

    /// <inheritdoc />
    public void Mul(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y) => TensorPrimitives.Multiply(a, b, y);

    /// <inheritdoc />
    public void Div(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y) => TensorPrimitives.Divide(a, b, y);

    /// <inheritdoc />
    public void Sqr(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Multiply(x, x, y);

    /// <inheritdoc />
    public void Sqrt(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Sqrt(x, y);

    /// <inheritdoc />
    public void Exp(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Exp(x, y);

    /// <inheritdoc />
    public void Log(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Log(x, y);

    /// <inheritdoc />
    public void Abs(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Abs(x, y);

    /// <inheritdoc />
    public void Powx(ReadOnlySpan<float> x, float p, Span<float> y) => TensorPrimitives.Pow(x, p, y);

    /// <inheritdoc />
    public void Sign(ReadOnlySpan<float> x, Span<float> y)
    {
        for (int i = 0; i < x.Length; i++)
        {
            float v = x[i];
            y[i] = v > 0 ? 1f : v < 0 ? -1f : 0f;
        }
    }

    /// <inheritdoc />
    public float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y) => TensorPrimitives.Dot(x, y);

    /// <inheritdoc />
    public float Asum(ReadOnlySpan<float> x) => TensorPrimitives.SumOfMagnitudes(x);

    /// <inheritdoc />
    public float SumSquares(ReadOnlySpan<float> x) => TensorPrimitives.SumOfSquares(x);

    /// <inheritdoc />
    public float Sum(ReadOnlySpan<float> x) => TensorPrimitives.Sum(x);

    /// <inheritdoc />
    public void Im2Col(ReadOnlySpan<float> image, int channels, int height, int width, int kernelH, int kernelW,
        int padH, int padW, int strideH, int strideW, int dilationH, int dilationW, Span<float> columns)
    {
        int outH = (height + 2 * padH - (dilationH * (kernelH - 1) + 1)) / strideH + 1;
        int outW = (width + 2 * padW - (dilationW * (kernelW - 1) + 1)) / strideW + 1;
        int plane = outH * outW;
        int row = 0;
        for (int c = 0; c < channels; c++)
        {
            ReadOnlySpan<float> channel = image.Slice(c * height * width, height * width);
            for (int ky = 0; ky < kernelH; ky++)
            {
                for (int kx = 0; kx < kernelW; kx++, row++)
                {
                    Span<float> dst = columns.Slice(row * plane, plane);
                    int di = 0;
                    for (int oy = 0; oy < outH; oy++)
                    {
                        int iy = oy * strideH - padH + ky * dilationH;
                        if ((uint)iy >= (uint)height)
                        {
                            dst.Slice(di, outW).Clear();
                            di += outW;
                            continue;
                        }
                        ReadOnlySpan<float> src = channel.Slice(iy * width, width);
                        int ix = -padW + kx * dilationW;
                        if (strideW == 1 && ix >= 0 && ix + outW <= width)
                        {
                            src.Slice(ix, outW).CopyTo(dst.Slice(di, outW));
                            di += outW;
                            continue;
                        }
                        for (int ox = 0; ox < outW; ox++, ix += strideW)
                        {
                            dst[di++] = (uint)ix < (uint)width ? src[ix] : 0f;
                        }
                    }
                }
            }
        }
    }

    /// <inheritdoc />
    public void Col2Im(ReadOnlySpan<float> columns, int channels, int height, int width, int kernelH, int kernelW,
        int padH, int padW, int strideH, int strideW, int dilationH, int dilationW, Span<float> image)
    {
        int outH = (height + 2 * padH - (dilationH * (kernelH - 1) + 1)) / strideH + 1;
        int outW = (width + 2 * padW - (dilationW * (kernelW - 1) + 1)) / strideW + 1;
        int plane = outH * outW;
        image.Slice(0, channels * height * width).Clear();
        int row = 0;
        for (int c = 0; c < channels; c++)
        {
            Span<float> channel = image.Slice(c * height * width, height * width);
            for (int ky = 0; ky < kernelH; ky++)
            {
                for (int kx = 0; kx < kernelW; kx++, row++)
                {
                    ReadOnlySpan<float> src = columns.Slice(row * plane, plane);
                    int si = 0;
                    for (int oy = 0; oy < outH; oy++)
                    {
                        int iy = oy * strideH - padH + ky * dilationH;
                        if ((uint)iy >= (uint)height)
                        {
                            si += outW;
                            continue;
                        }
                        Span<float> dst = channel.Slice(iy * width, width);
                        int ix = -padW + kx * dilationW;
                        for (int ox = 0; ox < outW; ox++, ix += strideW, si++)
                        {
                            if ((uint)ix < (uint)width)
                            {
                                dst[ix] += src[si];
                            }
                        }
                    }
                }
            }
        }
    }
}
