namespace Engine;

/// <summary>
/// The math that layers need, over host spans. All matrices are row-major. The CPU backend implements it with
/// SIMD (System.Runtime.Intrinsics / TensorPrimitives) and a worker pool.
/// </summary>
public interface IMath
{
    /// <summary>C = alpha·op(A)·op(B) + beta·C with op(A) m×k, op(B) k×n, C m×n, all densely packed.</summary>
    void Gemm(bool transA, bool transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, ReadOnlySpan<float> b, float beta, Span<float> c);

    /// <summary>y = alpha·op(A)·x + beta·y where A is m×n (op(A) is n×m when transposed).</summary>
    void Gemv(bool transA, int m, int n, float alpha, ReadOnlySpan<float> a, ReadOnlySpan<float> x, float beta, Span<float> y);

    /// <summary>y += alpha·x.</summary>
    void Axpy(float alpha, ReadOnlySpan<float> x, Span<float> y);

    /// <summary>y = alpha·x + beta·y.</summary>
    void Axpby(float alpha, ReadOnlySpan<float> x, float beta, Span<float> y);

    /// <summary>y = alpha·x.</summary>
    void Scale(float alpha, ReadOnlySpan<float> x, Span<float> y);

    /// <summary>y[i] = value.</summary>
    void Set(float value, Span<float> y);

    /// <summary>y[i] += value.</summary>
    void AddScalar(float value, Span<float> y);

    /// <summary>y = a + b.</summary>
    void Add(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y);

    /// <summary>y = a − b.</summary>
    void Sub(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y);

    /// <summary>y = a ⊙ b.</summary>
    void Mul(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y);

    /// <summary>y = a / b.</summary>
    void Div(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y);

    /// <summary>y = x².</summary>
    void Sqr(ReadOnlySpan<float> x, Span<float> y);

    /// <summary>y = √x.</summary>
    void Sqrt(ReadOnlySpan<float> x, Span<float> y);

    /// <summary>y = eˣ.</summary>
    void Exp(ReadOnlySpan<float> x, Span<float> y);

    /// <summary>y = ln x.</summary>
    void Log(ReadOnlySpan<float> x, Span<float> y);

    /// <summary>y = |x|.</summary>
    void Abs(ReadOnlySpan<float> x, Span<float> y);

    /// <summary>y = x^p.</summary>
    void Powx(ReadOnlySpan<float> x, float p, Span<float> y);

    /// <summary>y = sign(x) ∈ {−1, 0, 1}.</summary>
    void Sign(ReadOnlySpan<float> x, Span<float> y);

    /// <summary>Σ xᵢyᵢ.</summary>
    float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y);

    /// <summary>Σ |xᵢ|.</summary>
    float Asum(ReadOnlySpan<float> x);

    /// <summary>Σ xᵢ².</summary>
    float SumSquares(ReadOnlySpan<float> x);

    /// <summary>Σ xᵢ.</summary>
    float Sum(ReadOnlySpan<float> x);

    /// <summary>
    /// Unfolds a C×H×W image into a (C·kh·kw)×(outH·outW) column matrix for convolution by GEMM
    /// (zero outside the image; cross-correlation order, as Caffe).
    /// </summary>
    void Im2Col(ReadOnlySpan<float> image, int channels, int height, int width, int kernelH, int kernelW,
        int padH, int padW, int strideH, int strideW, int dilationH, int dilationW, Span<float> columns);

    /// <summary>The adjoint of <see cref="Im2Col"/>: overwrites <paramref name="image"/> with the sum of the column entries that map to each pixel.</summary>
    void Col2Im(ReadOnlySpan<float> columns, int channels, int height, int width, int kernelH, int kernelW,
        int padH, int padW, int strideH, int strideW, int dilationH, int dilationW, Span<float> image);
}
