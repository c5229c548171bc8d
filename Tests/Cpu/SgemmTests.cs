using Engine.Backends.Cpu;
using NUnit.Framework;

namespace Engine.Tests.Cpu;

[TestFixture]
[NonParallelizable] // the forced SGEMM path is process-wide
public class SgemmTests
{
    private const float Sentinel = 12345.678f;

    private static readonly (int M, int N, int K)[] Shapes =
    [
        (1, 1, 1), (1, 7, 17), (7, 1, 17), (17, 33, 1), (33, 17, 65), (65, 127, 33), (127, 65, 7), (2, 3, 4),
        (6, 32, 256), (12, 64, 300), (13, 33, 257), (5, 31, 513), (100, 70, 10), (1, 127, 65), (127, 1, 65),
        (64, 64, 64), (97, 98, 99), (130, 150, 270), (300, 40, 20), (7, 200, 9), (1, 300, 600), (300, 1, 600), (1, 700, 400), (700, 1, 400),
    ];

    private static readonly string[] Paths = [nameof(SgemmPath.Auto), nameof(SgemmPath.Avx512), nameof(SgemmPath.Avx2), nameof(SgemmPath.Portable)];

    private WorkerPool _pool = null!;

    [OneTimeSetUp]
    public void CreatePool() => _pool = new WorkerPool(2);

    [OneTimeTearDown]
    public void DisposePool() => _pool.Dispose();

    [TearDown]
    public void ResetPath() => SgemmPathSelector.Forced = SgemmPath.Auto;

    [Test]
    public void MatchesDoubleReferenceForAllShapesTransposesAndPaths([ValueSource(nameof(Paths))] string pathName)
    {
        var path = Enum.Parse<SgemmPath>(pathName);
        if (!SgemmPathSelector.IsSupported(path))
        {
            Assert.Throws<PlatformNotSupportedException>(() => SgemmPathSelector.Forced = path);
            return;
        }
        SgemmPathSelector.Forced = path;
        var random = new Random(1234);
        int variant = 0;
        foreach (var (m, n, k) in Shapes)
        for (int t = 0; t < 4; t++, variant++)
        {
            bool transA = (t & 1) != 0, transB = (t & 2) != 0;
            // Cycle alpha/beta and padding of the leading dimensions so every combination meets several shapes.
            float alpha = (variant % 3) switch { 0 => 1f, 1 => -0.75f, _ => 2.5f };
            float beta = (variant % 4) switch { 0 => 0f, 1 => 1f, 2 => -0.5f, _ => 0.25f };
            int pad = variant % 5 == 0 ? 0 : variant % 7 + 1;
            Check(transA, transB, m, n, k, alpha, beta, pad, random, _pool, $"{path} {m}x{n}x{k} tA={transA} tB={transB} α={alpha} β={beta} pad={pad}");
        }
    }

    [Test]
    public void BetaZeroIgnoresNaNInC([ValueSource(nameof(Paths))] string pathName)
    {
        var path = Enum.Parse<SgemmPath>(pathName);
        if (!SgemmPathSelector.IsSupported(path)) { Assert.Throws<PlatformNotSupportedException>(() => SgemmPathSelector.Forced = path); return; }
        SgemmPathSelector.Forced = path;
        var random = new Random(5);
        foreach (var (m, n, k) in new[] { (1, 9, 5), (9, 1, 5), (13, 35, 21), (64, 64, 64), (150, 70, 300) })
        {
            var a = SgemmReference.Random(m * k, random);
            var b = SgemmReference.Random(k * n, random);
            var c = new float[m * n];
            Array.Fill(c, float.NaN);
            Sgemm.Multiply(false, false, m, n, k, 1f, a, k, b, n, 0f, c, n, _pool);
            var (expected, scale) = SgemmReference.Multiply(false, false, m, n, k, 1f, a, k, b, n, 0f, c, n);
            for (int i = 0; i < c.Length; i++)
                Assert.That(c[i], Is.EqualTo(expected[i]).Within(Tolerance(scale[i], k)), $"{path} {m}x{n}x{k} element {i}");
        }
    }

    [Test]
    public void ZeroDepthScalesCByBeta()
    {
        var c = new[] { 1f, 2f, float.NaN, 4f, 5f, 6f };
        Sgemm.Multiply(false, false, 2, 2, 0, 3f, ReadOnlySpan<float>.Empty, 1, ReadOnlySpan<float>.Empty, 2, 0.5f, c, 3, _pool);
        Assert.That(c, Is.EqualTo(new[] { 0.5f, 1f, float.NaN, 2f, 2.5f, 6f }));
        Sgemm.Multiply(false, false, 2, 2, 0, 3f, ReadOnlySpan<float>.Empty, 1, ReadOnlySpan<float>.Empty, 2, 0f, c, 3, _pool);
        Assert.That(c, Is.EqualTo(new[] { 0f, 0f, float.NaN, 0f, 0f, 6f }));
    }

    [Test]
    public void AlphaZeroDoesNotReadAOrB()
    {
        var a = new[] { float.NaN, float.NaN, float.NaN, float.NaN };
        var c = new[] { 1f, 2f, 3f, 4f };
        Sgemm.Multiply(false, false, 2, 2, 2, 0f, a, 2, a, 2, 2f, c, 2, _pool);
        Assert.That(c, Is.EqualTo(new[] { 2f, 4f, 6f, 8f }));
    }

    [Test]
    public void ResultIsBitIdenticalForOneTwoAndThreeThreads()
    {
        var random = new Random(77);
        using var one = new WorkerPool(1);
        using var three = new WorkerPool(3);
        foreach (var (m, n, k, transA, transB) in new[] { (257, 311, 263, false, false), (600, 129, 700, true, false), (97, 1000, 300, false, true), (333, 333, 33, true, true), (1, 3000, 300, false, false), (1, 1500, 400, true, true), (2000, 1, 300, false, false), (900, 1, 500, true, true) })
        {
            var a = SgemmReference.Random(m * k, random);
            var b = SgemmReference.Random(k * n, random);
            var c0 = SgemmReference.Random(m * n, random);
            int lda = transA ? m : k, ldb = transB ? k : n;
            var c1 = (float[])c0.Clone();
            var c2 = (float[])c0.Clone();
            var c3 = (float[])c0.Clone();
            Sgemm.Multiply(transA, transB, m, n, k, 0.5f, a, lda, b, ldb, 0.75f, c1, n, one);
            Sgemm.Multiply(transA, transB, m, n, k, 0.5f, a, lda, b, ldb, 0.75f, c2, n, _pool);
            Sgemm.Multiply(transA, transB, m, n, k, 0.5f, a, lda, b, ldb, 0.75f, c3, n, three);
            Assert.That(c2, Is.EqualTo(c1).AsCollection, $"{m}x{n}x{k} two threads");
            Assert.That(c3, Is.EqualTo(c1).AsCollection, $"{m}x{n}x{k} three threads");
            var (expected, scale) = SgemmReference.Multiply(transA, transB, m, n, k, 0.5f, a, lda, b, ldb, 0.75f, c0, n);
            for (int i = 0; i < c1.Length; i += 97)
                Assert.That(c1[i], Is.EqualTo(expected[i]).Within(Tolerance(scale[i], k)), $"{m}x{n}x{k} element {i}");
        }
    }

    [Test]
    public void SteadyStateCallsAllocateNothing()
    {
        var random = new Random(3);
        foreach (var (m, n, k) in new[] { (300, 300, 300), (1, 512, 784), (512, 1, 784), (20, 30, 40) })
        {
            var a = SgemmReference.Random(m * k, random);
            var b = SgemmReference.Random(k * n, random);
            var c = new float[m * n];
            for (int i = 0; i < 3; i++) Sgemm.Multiply(false, true, m, n, k, 1f, a, k, b, k, 0f, c, n, _pool);
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 5; i++) Sgemm.Multiply(false, true, m, n, k, 1f, a, k, b, k, 0f, c, n, _pool);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.That(allocated, Is.Zero, $"{m}x{n}x{k}");
        }
    }

    [Test]
    public void RejectsTooSmallLeadingDimensionAndShortSpans()
    {
        var a = new float[12];
        var b = new float[12];
        var c = new float[12];
        var e1 = Assert.Throws<ArgumentOutOfRangeException>(() => Sgemm.Multiply(false, false, 3, 4, 3, 1f, a, 2, b, 4, 0f, c, 4));
        Assert.That(e1!.ParamName, Is.EqualTo("lda"));
        var e2 = Assert.Throws<ArgumentException>(() => Sgemm.Multiply(false, false, 3, 4, 3, 1f, a, 3, b, 4, 0f, new float[11], 4));
        Assert.That(e2!.ParamName, Is.EqualTo("c"));
        var e3 = Assert.Throws<ArgumentException>(() => Sgemm.Multiply(false, true, 3, 4, 4, 1f, a, 4, b, 4, 0f, c, 4));
        Assert.That(e3!.ParamName, Is.EqualTo("b"));
        Assert.That(e3.Message, Does.Contain("16"));
    }

    private static void Check(bool transA, bool transB, int m, int n, int k, float alpha, float beta, int pad, Random random,
        WorkerPool pool, string label)
    {
        int lda = (transA ? m : k) + pad, ldb = (transB ? k : n) + pad, ldc = n + pad;
        int aRows = transA ? k : m, bRows = transB ? n : k;
        var a = SgemmReference.Random(Math.Max(1, aRows * lda), random);
        var b = SgemmReference.Random(Math.Max(1, bRows * ldb), random);
        var c = SgemmReference.Random(m * ldc, random);
        for (int i = 0; i < m; i++)
        for (int j = n; j < ldc; j++) c[i * ldc + j] = Sentinel;
        var (expected, scale) = SgemmReference.Multiply(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

        Sgemm.Multiply(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, pool);

        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                int e = i * n + j;
                Assert.That(c[i * ldc + j], Is.EqualTo(expected[e]).Within(Tolerance(scale[e], k)), $"{label} at ({i},{j})");
            }
            for (int j = n; j < ldc; j++)
                Assert.That(c[i * ldc + j], Is.EqualTo(Sentinel), $"{label}: wrote into padding at ({i},{j})");
        }
    }

    // Float32 accumulation error grows at most linearly with k relative to the sum of magnitudes.
    private static double Tolerance(double scale, int k) => 2e-7 * (k + 4) * scale + 1e-6;
}
