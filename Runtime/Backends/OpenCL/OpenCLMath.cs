using Engine.Memory;

namespace Engine.Backends.OpenCL;

/// <summary>
/// BLAS-like math over device buffers, each addressed by (buffer, element offset) so sub-ranges of a blob work.
/// Row-major like <see cref="IMath"/>. Calls only enqueue: results are ready when a later host read syncs the queue.
/// </summary>
public sealed class OpenCLMath
{
    private const string MathFile = "math.cl";
    private const string GemmFile = "gemm.cl";
    private const int Tile = 64;
    private const int TileThreads = 16;
    private const int ReduceSize = 64;

    private readonly OpenCLBackend _backend;
    private OpenCLKernel? _gemmNN, _gemmNT, _padRows;
    private OpenCLBuffer? _paddedB;
    private OpenCLKernel? _set, _addScalar, _axpby, _binary, _addRow, _columnSum, _gemvN, _gemvT, _dot, _gemm;

    internal OpenCLMath(OpenCLBackend backend)
    {
        _backend = backend;
        GemmKernel = backend.Device.IsCpu ? OpenCLGemmKernel.RegisterBlocked : OpenCLGemmKernel.Tiled;
    }

    /// <summary>Which SGEMM kernel <see cref="Gemm"/> runs; chosen from the device type, settable for tests and benchmarks.</summary>
    public OpenCLGemmKernel GemmKernel { get; set; }

    private OpenCLKernel K(ref OpenCLKernel? slot, string file, string name)
        => slot ??= _backend.Programs.Kernel(typeof(OpenCLMath).Assembly, file, name);

    /// <summary>C = alpha·op(A)·op(B) + beta·C with op(A) m×k, op(B) k×n, C m×n, densely packed (kernels of <c>gemm.cl</c>, see <see cref="GemmKernel"/>).</summary>
    public void Gemm(bool transA, bool transB, int m, int n, int k, float alpha,
        IDeviceMemory a, int offA, IDeviceMemory b, int offB, float beta, IDeviceMemory c, int offC)
    {
        if (m <= 0 || n <= 0)
        {
            return;
        }
        CheckRange(a, offA, (long)m * k, "A");
        CheckRange(b, offB, (long)k * n, "B");
        CheckRange(c, offC, (long)m * n, "C");
        if (GemmKernel == OpenCLGemmKernel.RegisterBlocked && !transB)
        {
            // 4 rows × 16 columns per work-item. B rows a multiple of 1 Ki floats apart alias in L1 (see pad_rows);
            // when the product is big enough to repay one pass over B, copy B with padded rows first.
            IDeviceMemory bSource = b;
            int ldb = n;
            if (n % 256 == 0 && m >= 128)
            {
                ldb = n + 32;
                long needed = (long)k * ldb;
                if (_paddedB is null || _paddedB.Length < needed)
                {
                    _paddedB?.Dispose();
                    _paddedB = _backend.Pool.Rent(needed);
                }
                K(ref _padRows, GemmFile, "pad_rows").Arg(0, k).Arg(1, n).Arg(2, b).Arg(3, offB).Arg(4, ldb).Arg(5, _paddedB)
                    .Launch(n, k, 64, 1);
                bSource = _paddedB;
                offB = 0;
            }
            K(ref _gemmNN, GemmFile, "sgemm_vec_nn")
                .Arg(0, transA ? 1 : 0).Arg(1, m).Arg(2, n).Arg(3, k).Arg(4, ldb).Arg(5, alpha)
                .Arg(6, a).Arg(7, offA).Arg(8, bSource).Arg(9, offB).Arg(10, beta).Arg(11, c).Arg(12, offC)
                .Launch((n + 15) / 16, (m + 3) / 4, 16, 4);
        }
        else if (GemmKernel == OpenCLGemmKernel.RegisterBlocked && !transA)
        {
            // 2 rows × 4 columns of dot products per work-item.
            K(ref _gemmNT, GemmFile, "sgemm_vec_nt")
                .Arg(0, m).Arg(1, n).Arg(2, k).Arg(3, alpha)
                .Arg(4, a).Arg(5, offA).Arg(6, b).Arg(7, offB).Arg(8, beta).Arg(9, c).Arg(10, offC)
                .Launch((n + 3) / 4, (m + 1) / 2, 8, 8);
        }
        else
        {
            K(ref _gemm, GemmFile, "sgemm_tiled")
                .Arg(0, transA ? 1 : 0).Arg(1, transB ? 1 : 0).Arg(2, m).Arg(3, n).Arg(4, k).Arg(5, alpha)
                .Arg(6, a).Arg(7, offA).Arg(8, b).Arg(9, offB).Arg(10, beta).Arg(11, c).Arg(12, offC)
                .Launch((n + Tile - 1) / Tile * TileThreads, (m + Tile - 1) / Tile * TileThreads, TileThreads, TileThreads);
        }
    }

    /// <summary>y = alpha·op(A)·x + beta·y where A is m×n (op(A) is n×m when transposed).</summary>
    public void Gemv(bool transA, int m, int n, float alpha, IDeviceMemory a, int offA, IDeviceMemory x, int offX, float beta, IDeviceMemory y, int offY)
    {
        CheckRange(a, offA, (long)m * n, "A");
        CheckRange(x, offX, transA ? m : n, "x");
        CheckRange(y, offY, transA ? n : m, "y");
        OpenCLKernel kernel = transA ? K(ref _gemvT, MathFile, "gemv_t") : K(ref _gemvN, MathFile, "gemv_n");
        kernel.Arg(0, m).Arg(1, n).Arg(2, alpha).Arg(3, a).Arg(4, offA).Arg(5, x).Arg(6, offX).Arg(7, beta).Arg(8, y).Arg(9, offY)
            .Launch(transA ? n : m);
    }

    /// <summary>y = alpha·x + beta·y over <paramref name="count"/> elements (beta 0 does not read y).</summary>
    public void Axpby(int count, float alpha, IDeviceMemory x, int offX, float beta, IDeviceMemory y, int offY)
    {
        CheckRange(x, offX, count, "x");
        CheckRange(y, offY, count, "y");
        K(ref _axpby, MathFile, "axpby").Arg(0, count).Arg(1, alpha).Arg(2, x).Arg(3, offX).Arg(4, beta).Arg(5, y).Arg(6, offY).Launch(count);
    }

    /// <summary>y += alpha·x.</summary>
    public void Axpy(int count, float alpha, IDeviceMemory x, int offX, IDeviceMemory y, int offY) => Axpby(count, alpha, x, offX, 1f, y, offY);

    /// <summary>y = alpha·x.</summary>
    public void Scale(int count, float alpha, IDeviceMemory x, int offX, IDeviceMemory y, int offY) => Axpby(count, alpha, x, offX, 0f, y, offY);

    /// <summary>y = x (a device-side copy).</summary>
    public void Copy(int count, IDeviceMemory x, int offX, IDeviceMemory y, int offY) => Axpby(count, 1f, x, offX, 0f, y, offY);

    /// <summary>y[i] = value.</summary>
    public void Set(int count, float value, IDeviceMemory y, int offY)
    {
        CheckRange(y, offY, count, "y");
        K(ref _set, MathFile, "set_value").Arg(0, count).Arg(1, value).Arg(2, y).Arg(3, offY).Launch(count);
    }

    /// <summary>y[i] += value.</summary>
    public void AddScalar(int count, float value, IDeviceMemory y, int offY)
    {
        CheckRange(y, offY, count, "y");
        K(ref _addScalar, MathFile, "add_scalar").Arg(0, count).Arg(1, value).Arg(2, y).Arg(3, offY).Launch(count);
    }

    /// <summary>y = a + b.</summary>
    public void Add(int count, IDeviceMemory a, int offA, IDeviceMemory b, int offB, IDeviceMemory y, int offY) => Binary(0, count, a, offA, b, offB, y, offY);

    /// <summary>y = a − b.</summary>
    public void Sub(int count, IDeviceMemory a, int offA, IDeviceMemory b, int offB, IDeviceMemory y, int offY) => Binary(1, count, a, offA, b, offB, y, offY);

    /// <summary>y = a ⊙ b.</summary>
    public void Mul(int count, IDeviceMemory a, int offA, IDeviceMemory b, int offB, IDeviceMemory y, int offY) => Binary(2, count, a, offA, b, offB, y, offY);

    /// <summary>y = a / b.</summary>
    public void Div(int count, IDeviceMemory a, int offA, IDeviceMemory b, int offB, IDeviceMemory y, int offY) => Binary(3, count, a, offA, b, offB, y, offY);

    /// <summary>y[r, c] += b[c] for a rows×cols row-major y (adds a bias to every row).</summary>
    public void AddRowVector(int rows, int cols, IDeviceMemory b, int offB, IDeviceMemory y, int offY)
    {
        CheckRange(b, offB, cols, "b");
        CheckRange(y, offY, (long)rows * cols, "y");
        K(ref _addRow, MathFile, "add_row_vector").Arg(0, rows).Arg(1, cols).Arg(2, b).Arg(3, offB).Arg(4, y).Arg(5, offY).Launch((long)rows * cols);
    }

    /// <summary>y[c] = alpha·Σ_r x[r, c] + beta·y[c] for a rows×cols row-major x.</summary>
    public void ColumnSum(int rows, int cols, float alpha, IDeviceMemory x, int offX, float beta, IDeviceMemory y, int offY)
    {
        CheckRange(x, offX, (long)rows * cols, "x");
        CheckRange(y, offY, cols, "y");
        K(ref _columnSum, MathFile, "column_sum").Arg(0, rows).Arg(1, cols).Arg(2, alpha).Arg(3, x).Arg(4, offX).Arg(5, beta).Arg(6, y).Arg(7, offY).Launch(cols);
    }

    /// <summary>result[offR] = scale·Σ xᵢyᵢ, computed and left on the device (no host round trip).</summary>
    public void Dot(int count, IDeviceMemory x, int offX, IDeviceMemory y, int offY, float scale, IDeviceMemory result, int offR)
    {
        CheckRange(x, offX, count, "x");
        CheckRange(y, offY, count, "y");
        CheckRange(result, offR, 1, "result");
        K(ref _dot, MathFile, "dot_scaled").Arg(0, count).Arg(1, x).Arg(2, offX).Arg(3, y).Arg(4, offY).Arg(5, scale).Arg(6, result).Arg(7, offR)
            .Launch(ReduceSize, ReduceSize);
    }

    private void Binary(int op, int count, IDeviceMemory a, int offA, IDeviceMemory b, int offB, IDeviceMemory y, int offY)
    {
        CheckRange(a, offA, count, "a");
        CheckRange(b, offB, count, "b");
        CheckRange(y, offY, count, "y");
        K(ref _binary, MathFile, "binary_op").Arg(0, count).Arg(1, op).Arg(2, a).Arg(3, offA).Arg(4, b).Arg(5, offB).Arg(6, y).Arg(7, offY).Launch(count);
    }

    private static void CheckRange(IDeviceMemory buffer, int offset, long count, string operand)
    {
        if (offset < 0 || count < 0 || offset + count > buffer.Length)
        {
            throw new ArgumentOutOfRangeException(operand, $"operand {operand}: elements [{offset}, {offset + count}) exceed its device buffer of {buffer.Length} floats.");
        }
    }
}
