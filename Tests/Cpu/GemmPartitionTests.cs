using Engine.Backends.Cpu;
using NUnit.Framework;

namespace Engine.Tests.Cpu;

/// <summary>
/// The split schedule (independent blocks of C per thread) and the prepacked-B path: bit-identical to one thread and to the
/// shared-B schedule for every transpose case, ragged size and kernel path, blocks that tile C exactly, no steady-state allocation.
/// </summary>
[TestFixture]
[NonParallelizable] // the forced SGEMM path and the driver's schedule are process-wide
public class GemmPartitionTests
{
    private static readonly (int M, int N, int K)[] Shapes =
    [
        (2, 3, 4), (7, 45, 300), (13, 33, 257), (64, 512, 300), (97, 98, 99), (130, 150, 513), (300, 40, 20), (257, 311, 263),
        (600, 129, 70), (31, 1000, 100), (7, 900, 400), (150, 70, 600),
    ];

    private static readonly string[] Paths = [nameof(SgemmPath.Avx512), nameof(SgemmPath.Avx2), nameof(SgemmPath.Portable)];

    private WorkerPool _one = null!, _two = null!, _three = null!;

    [OneTimeSetUp]
    public void CreatePools()
    {
        _one = new WorkerPool(1);
        _two = new WorkerPool(2);
        _three = new WorkerPool(3);
    }

    [OneTimeTearDown]
    public void DisposePools()
    {
        _one.Dispose();
        _two.Dispose();
        _three.Dispose();
    }

    [TearDown]
    public void Reset()
    {
        SgemmPathSelector.Forced = SgemmPath.Auto;
        SetSchedule(GemmSchedule.Auto, 1);
    }

    [Test]
    public void SplitScheduleIsBitIdenticalToOneThreadAndToSharedB([ValueSource(nameof(Paths))] string pathName)
    {
        if (!Force(pathName)) return;
        var random = new Random(11);
        foreach (var (m, n, k) in Shapes)
        for (int t = 0; t < 4; t++)
        {
            bool transA = (t & 1) != 0, transB = (t & 2) != 0;
            var (a, b, c0) = Operands(m, n, k, random);
            int lda = transA ? m : k, ldb = transB ? k : n;
            float[] Run(WorkerPool pool, GemmSchedule schedule, int blocksPerThread)
            {
                SetSchedule(schedule, blocksPerThread);
                var c = (float[])c0.Clone();
                Sgemm.Multiply(transA, transB, m, n, k, 0.5f, a, lda, b, ldb, 0.75f, c, n, pool);
                return c;
            }
            string label = $"{pathName} {m}x{n}x{k} tA={transA} tB={transB}";
            float[] single = Run(_one, GemmSchedule.Auto, 1);
            Assert.That(Run(_two, GemmSchedule.Split, 1), Is.EqualTo(single).AsCollection, label + " two threads, split");
            Assert.That(Run(_three, GemmSchedule.Split, 1), Is.EqualTo(single).AsCollection, label + " three threads, split");
            Assert.That(Run(_two, GemmSchedule.Split, 3), Is.EqualTo(single).AsCollection, label + " two threads, six blocks");
            Assert.That(Run(_two, GemmSchedule.SharedB, 1), Is.EqualTo(single).AsCollection, label + " two threads, shared B");
            var (expected, scale) = SgemmReference.Multiply(transA, transB, m, n, k, 0.5f, a, lda, b, ldb, 0.75f, c0, n);
            for (int i = 0; i < single.Length; i += 13)
                Assert.That(single[i], Is.EqualTo(expected[i]).Within(Tolerance(scale[i], k)), $"{label} element {i}");
        }
    }

    [Test]
    public void EightAndSixRowKernelsGiveTheSameBits()
    {
        // Tall products run the 6-row AVX-512 kernel, shorter ones the 8-row kernel: the rows they share must agree exactly,
        // and the tall one must still be right (ragged last panel, all transposes).
        if (!SgemmPathSelector.IsSupported(SgemmPath.Avx512)) Assert.Ignore("no AVX-512 on this CPU");
        var random = new Random(14);
        int m = Sgemm.EightRowKernelBelow + 13, rows = Sgemm.EightRowKernelBelow - 5;
        foreach (var (n, k) in new[] { (45, 70), (100, 300) })
        for (int t = 0; t < 4; t++)
        {
            bool transA = (t & 1) != 0, transB = (t & 2) != 0;
            var (a, b, c0) = Operands(m, n, k, random);
            int lda = transA ? m : k, ldb = transB ? k : n;
            var tall = (float[])c0.Clone();
            Sgemm.Multiply(transA, transB, m, n, k, 0.5f, a, lda, b, ldb, 0.75f, tall, n, _two);
            // The first rows alone: with A transposed they are the first columns of the stored A, same leading dimension.
            var top = c0[..(rows * n)];
            Sgemm.Multiply(transA, transB, rows, n, k, 0.5f, a, lda, b, ldb, 0.75f, top, n, _two);
            string label = $"{n}x{k} tA={transA} tB={transB}";
            Assert.That(top, Is.EqualTo(tall[..(rows * n)]).AsCollection, label);
            var (expected, scale) = SgemmReference.Multiply(transA, transB, m, n, k, 0.5f, a, lda, b, ldb, 0.75f, c0, n);
            for (int i = 0; i < tall.Length; i += 7)
                Assert.That(tall[i], Is.EqualTo(expected[i]).Within(Tolerance(scale[i], k)), $"{label} element {i}");
        }
    }

    [Test]
    public void PartitionTilesCExactlyOnPanelEdges()
    {
        foreach (var (m, n) in new[] { (1, 1), (5, 100), (64, 512), (2048, 2048), (7, 7), (1000, 33), (13, 4000) })
        foreach (int blocks in new[] { 1, 2, 3, 4, 6, 8 })
        {
            var partition = GemmPartition.Choose(m, n, 100, 6, 16, 4096, blocks);
            Assert.That(partition.Blocks, Is.InRange(1, blocks), $"{m}x{n} {blocks}");
            var owner = new int[m * n];
            for (int index = 0; index < partition.Blocks; index++)
            {
                partition.Bounds(index, m, n, 6, 16, out int i0, out int i1, out int j0, out int j1);
                Assert.That(i0 % 6 == 0 && j0 % 16 == 0, $"{m}x{n} block {index} starts at ({i0},{j0}), off the panel grid");
                Assert.That(i1 > i0 && j1 > j0, $"{m}x{n} block {index} is empty");
                for (int i = i0; i < i1; i++)
                for (int j = j0; j < j1; j++) owner[i * n + j]++;
            }
            Assert.That(owner, Is.All.EqualTo(1), $"{m}x{n} in {blocks} blocks: every element in exactly one block");
        }
        // Few rows (a fully connected layer's batch): the columns are split, so each thread reads half the weights.
        var fc = GemmPartition.Choose(64, 512, 784, 6, 32, 4096, 2);
        Assert.That((fc.RowStrips, fc.ColumnStrips), Is.EqualTo((1, 2)));
        var tall = GemmPartition.Choose(4000, 64, 784, 6, 32, 4096, 2);
        Assert.That((tall.RowStrips, tall.ColumnStrips), Is.EqualTo((2, 1)));
    }

    [Test]
    public void PrepackedBIsBitIdenticalToMultiply([ValueSource(nameof(Paths))] string pathName)
    {
        if (!Force(pathName)) return;
        var random = new Random(12);
        var packed = new PrepackedB();
        foreach (var (m, n, k) in Shapes.Append((1, 70, 300)).Append((64, 512, 784)))
        foreach (bool transA in new[] { false, true })
        foreach (bool transB in new[] { false, true })
        {
            var (a, b, c0) = Operands(m, n, k, random);
            int lda = transA ? m : k, ldb = transB ? k : n;
            packed.Pack(transB, k, n, b, ldb, _two);
            string label = $"{pathName} {m}x{n}x{k} tA={transA} tB={transB}";
            var expected = (float[])c0.Clone();
            if (m > 1)
            {
                Sgemm.Multiply(transA, transB, m, n, k, -1.5f, a, lda, b, ldb, 0.25f, expected, n, _one);
            }
            else
            {
                // Multiply takes the GEMV path for one row, which sums in another order: check the prepacked row against the
                // reference, then hold the other thread counts to it.
                Sgemm.MultiplyPrepacked(transA, m, n, k, -1.5f, a, lda, packed, 0.25f, expected, n, _one);
                var (reference, scale) = SgemmReference.Multiply(transA, transB, m, n, k, -1.5f, a, lda, b, ldb, 0.25f, c0, n);
                for (int i = 0; i < n; i++)
                    Assert.That(expected[i], Is.EqualTo(reference[i]).Within(Tolerance(scale[i], k)), $"{label} element {i}");
            }
            foreach (var pool in new[] { _one, _two, _three })
            {
                var c = (float[])c0.Clone();
                Sgemm.MultiplyPrepacked(transA, m, n, k, -1.5f, a, lda, packed, 0.25f, c, n, pool);
                Assert.That(c, Is.EqualTo(expected).AsCollection, $"{label} on {pool.ThreadCount} threads");
            }
        }
    }

    [Test]
    public void PrepackedBRejectsAnotherShapeOrPath()
    {
        var packed = new PrepackedB();
        var b = new float[20 * 30];
        packed.Pack(false, 20, 30, b, 30);
        var a = new float[4 * 20];
        var c = new float[4 * 30];
        var shape = Assert.Throws<ArgumentException>(() => Sgemm.MultiplyPrepacked(false, 4, 30, 21, 1f, a, 21, packed, 0f, c, 30));
        Assert.That(shape!.Message, Does.Contain("20×30").And.Contain("21×30"));
        var other = SgemmPathSelector.Current == SgemmPath.Portable ? SgemmPath.Auto : SgemmPath.Portable;
        if (other == SgemmPath.Auto) return; // only one path on this CPU: nothing to mismatch
        SgemmPathSelector.Forced = other;
        var path = Assert.Throws<ArgumentException>(() => Sgemm.MultiplyPrepacked(false, 4, 30, 20, 1f, a, 20, packed, 0f, c, 30));
        Assert.That(path!.Message, Does.Contain(nameof(SgemmPath.Portable)));
    }

    [Test]
    public void SplitAndPrepackedCallsAllocateNothingWhenWarm()
    {
        var random = new Random(13);
        var packed = new PrepackedB();
        foreach (var (m, n, k) in new[] { (64, 512, 784), (300, 300, 300), (2, 10, 512) })
        {
            var (a, b, c) = Operands(m, n, k, random);
            packed.Pack(true, k, n, b, k, _two);
            void Calls()
            {
                Sgemm.Multiply(false, true, m, n, k, 1f, a, k, b, k, 0f, c, n, _two);
                Sgemm.MultiplyPrepacked(false, m, n, k, 1f, a, k, packed, 0f, c, n, _two);
                packed.Pack(true, k, n, b, k, _two);
            }
            for (int i = 0; i < 3; i++) Calls();
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 5; i++) Calls();
            Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero, $"{m}x{n}x{k}");
        }
    }

    private static bool Force(string pathName)
    {
        var path = Enum.Parse<SgemmPath>(pathName);
        if (!SgemmPathSelector.IsSupported(path))
        {
            Assert.Throws<PlatformNotSupportedException>(() => SgemmPathSelector.Forced = path);
            return false;
        }
        SgemmPathSelector.Forced = path;
        return true;
    }

    private static void SetSchedule(GemmSchedule schedule, int blocksPerThread)
    {
        GemmDriver<MicroKernel6x32Avx512>.Schedule = GemmDriver<MicroKernel6x16Avx2>.Schedule = GemmDriver<MicroKernel4x8Portable>.Schedule = schedule;
        GemmDriver<MicroKernel6x32Avx512>.BlocksPerThread = GemmDriver<MicroKernel6x16Avx2>.BlocksPerThread =
            GemmDriver<MicroKernel4x8Portable>.BlocksPerThread = blocksPerThread;
    }

    private static (float[] A, float[] B, float[] C) Operands(int m, int n, int k, Random random) =>
        (SgemmReference.Random(m * k, random), SgemmReference.Random(k * n, random), SgemmReference.Random(m * n, random));

    private static double Tolerance(double scale, int k) => 2e-7 * (k + 4) * scale + 1e-6;
}
