namespace Engine.Tests.Cpu;

/// <summary>Naive double-precision GEMM and an error bound scaled to the magnitudes that enter each element.</summary>
internal static class SgemmReference
{
    public static (double[] Value, double[] Scale) Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        float[] a, int lda, float[] b, int ldb, float beta, float[] c, int ldc)
    {
        var value = new double[m * n];
        var scale = new double[m * n];
        for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
        {
            double sum = 0, abs = 0;
            for (int p = 0; p < k; p++)
            {
                double x = transA ? a[p * lda + i] : a[i * lda + p];
                double y = transB ? b[j * ldb + p] : b[p * ldb + j];
                sum += x * y;
                abs += Math.Abs(x * y);
            }
            double old = beta == 0f ? 0 : (double)beta * c[i * ldc + j];
            value[i * n + j] = alpha * sum + old;
            scale[i * n + j] = Math.Abs(alpha) * abs + Math.Abs(old);
        }
        return (value, scale);
    }

    public static float[] Random(int length, Random random)
    {
        var data = new float[length];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(random.NextDouble() * 2 - 1);
        return data;
    }
}
