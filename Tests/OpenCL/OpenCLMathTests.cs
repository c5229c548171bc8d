using Engine.Backends.OpenCL;
using Engine.Memory;
using NUnit.Framework;

namespace Engine.Tests.OpenCL;

/// <summary>Device math against the CPU backend's math on the same inputs.</summary>
public class OpenCLMathTests : OpenCLTestBase
{
    private static IMath CpuMath => Backend.Cpu.Math;

    // Ragged sizes (not multiples of the 64×64×16 tiles or of 4) and non-zero offsets exercise every edge path.
    [TestCase(false, false, 67, 45, 33)]
    [TestCase(true, false, 67, 45, 33)]
    [TestCase(false, true, 67, 45, 33)]
    [TestCase(true, true, 67, 45, 33)]
    [TestCase(false, false, 128, 64, 50)]
    [TestCase(true, true, 1, 130, 7)]
    [TestCase(true, false, 130, 256, 19)] // B re-laid out with padded rows
    public void Gemm_MatchesCpu(bool transA, bool transB, int m, int n, int k)
    {
        const int offA = 3, offB = 5, offC = 2;
        float[] a = Uniform(m * k + offA, 10), b = Uniform(k * n + offB, 11), c = Uniform(m * n + offC, 12);
        var expected = (float[])c.Clone();
        CpuMath.Gemm(transA, transB, m, n, k, 1.5f, a.AsSpan(offA), b.AsSpan(offB), 0.5f, expected.AsSpan(offC));

        foreach (OpenCLGemmKernel kernel in Enum.GetValues<OpenCLGemmKernel>())
        {
            OpenCLGemmKernel original = Cl.DeviceMath.GemmKernel;
            Cl.DeviceMath.GemmKernel = kernel;
            try
            {
                using OpenCLBuffer da = Upload(a), db = Upload(b), dc = Upload(c);
                Cl.DeviceMath.Gemm(transA, transB, m, n, k, 1.5f, da, offA, db, offB, 0.5f, dc, offC);
                float[] actual = Download(dc, c.Length);
                Assert.That(actual[..offC], Is.EqualTo(c[..offC]), $"{kernel}: elements before the offset must be untouched");
                AssertClose(expected, actual, 1e-4, $"{kernel} C");
            }
            finally
            {
                Cl.DeviceMath.GemmKernel = original;
            }
        }
    }

    [TestCase(OpenCLGemmKernel.Tiled)]
    [TestCase(OpenCLGemmKernel.RegisterBlocked)]
    public void Gemm_WithBetaZero_IgnoresNaNInC(OpenCLGemmKernel kernel)
    {
        float[] a = Uniform(9 * 4, 1), b = Uniform(4 * 5, 2);
        var c = new float[9 * 5];
        Array.Fill(c, float.NaN);
        var expected = new float[9 * 5];
        CpuMath.Gemm(false, false, 9, 5, 4, 1f, a, b, 0f, expected);
        using OpenCLBuffer da = Upload(a), db = Upload(b), dc = Upload(c);
        OpenCLGemmKernel original = Cl.DeviceMath.GemmKernel;
        Cl.DeviceMath.GemmKernel = kernel;
        try
        {
            Cl.DeviceMath.Gemm(false, false, 9, 5, 4, 1f, da, 0, db, 0, 0f, dc, 0);
            Cl.DeviceMath.Gemm(false, true, 9, 5, 4, 1f, da, 0, db, 0, 0f, dc, 0);
        }
        finally
        {
            Cl.DeviceMath.GemmKernel = original;
        }
        var expectedNT = new float[9 * 5];
        CpuMath.Gemm(false, true, 9, 5, 4, 1f, a, b, 0f, expectedNT);
        AssertClose(expectedNT, Download(dc, c.Length), 1e-4, "C");
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Gemv_MatchesCpu(bool trans)
    {
        const int m = 37, n = 21;
        float[] a = Uniform(m * n, 20), x = Uniform(trans ? m : n, 21), y = Uniform(trans ? n : m, 22);
        var expected = (float[])y.Clone();
        CpuMath.Gemv(trans, m, n, 0.7f, a, x, 0.3f, expected);
        using OpenCLBuffer da = Upload(a), dx = Upload(x), dy = Upload(y);
        Cl.DeviceMath.Gemv(trans, m, n, 0.7f, da, 0, dx, 0, 0.3f, dy, 0);
        AssertClose(expected, Download(dy, y.Length), 1e-4, "y");
    }

    [Test]
    public void ElementWiseAndReductions_MatchCpu()
    {
        const int n = 1000;
        float[] x = Uniform(n, 30), y = Uniform(n, 31, 0.5f, 2f);
        using OpenCLBuffer dx = Upload(x), dy = Upload(y), dz = Cl.Pool.Rent(n), dr = Cl.Pool.Rent(1);
        OpenCLMath math = Cl.DeviceMath;
        var expected = new float[n];

        math.Axpby(n, 2f, dx, 0, 0.5f, dy, 0);
        CpuMath.Axpby(2f, x, 0.5f, y);
        AssertClose(y, Download(dy, n), 1e-6, "axpby");

        math.Mul(n, dx, 0, dy, 0, dz, 0);
        CpuMath.Mul(x, y, expected);
        AssertClose(expected, Download(dz, n), 1e-6, "mul");

        math.Sub(n, dx, 0, dy, 0, dz, 0);
        CpuMath.Sub(x, y, expected);
        AssertClose(expected, Download(dz, n), 1e-6, "sub");

        math.Set(n, 0.25f, dz, 0);
        math.AddScalar(n, 1f, dz, 0);
        Assert.That(Download(dz, n), Is.All.EqualTo(1.25f));

        math.Dot(n, dx, 0, dy, 0, 0.5f, dr, 0);
        Assert.That(Download(dr, 1)[0], Is.EqualTo(0.5f * CpuMath.Dot(x, y)).Within(1e-4 * Math.Sqrt(CpuMath.SumSquares(x) * CpuMath.SumSquares(y))));

        // 40 rows × 25 columns: column sums and a broadcast row.
        math.ColumnSum(40, 25, 1f, dx, 0, 0f, dz, 0);
        float[] sums = Download(dz, 25);
        for (int col = 0; col < 25; col++)
        {
            float s = 0f;
            for (int r = 0; r < 40; r++)
            {
                s += x[r * 25 + col];
            }
            Assert.That(sums[col], Is.EqualTo(s).Within(1e-4));
        }
        math.Copy(n, dx, 0, dz, 0);
        math.AddRowVector(40, 25, dy, 0, dz, 0);
        float[] rows = Download(dz, n);
        for (int i = 0; i < n; i++)
        {
            Assert.That(rows[i], Is.EqualTo(x[i] + y[i % 25]).Within(1e-6));
        }
    }

    private static OpenCLBuffer Upload(float[] values)
    {
        OpenCLBuffer buffer = Cl.Pool.Rent(values.Length);
        buffer.CopyFromHost(values);
        return buffer;
    }

    private static float[] Download(IDeviceMemory buffer, int count)
    {
        var values = new float[count];
        buffer.CopyToHost(values);
        return values;
    }
}
