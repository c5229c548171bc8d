using Engine.Embedding;
using Engine.Fillers;
using Engine.Proto;
using Engine.Tests.Support;
using NUnit.Framework;

namespace Engine.Tests.Embedding;

public class InferenceTests
{
    private static NetParameter Policy() => new NetBuilder("policy")
        .Input("obs", 1, 32)
        .InnerProduct("ip1", "obs", 64, Filler.Xavier(), Filler.Uniform(-0.1f, 0.1f))
        .TanH("t1", "ip1")
        .InnerProduct("ip2", "ip1", 64, Filler.Xavier(), Filler.Uniform(-0.1f, 0.1f))
        .TanH("t2", "ip2")
        .InnerProduct("out", "ip2", 4, Filler.Xavier())
        .Build();

    private static float[] Observation(ulong seed) => TestData.Uniform([32], seed).Data.ToArray();

    [Test]
    public void Run_MatchesTheNet()
    {
        var model = new InferenceModel(Policy(), TestData.Registry, seed: 3);
        using Inference handle = model.CreateHandle();
        using var net = new Engine.Net(Policy(), TestData.Registry, new NetOptions { Phase = Phase.Test, Seed = 3 });
        float[] obs = Observation(1);
        obs.CopyTo(net.GetBlob("obs").MutableData);
        net.Forward();
        var output = new float[4];
        handle.Run(obs, output);
        Assert.That(output, Is.EqualTo(net.GetBlob("out").Data.ToArray()));
    }

    [Test]
    public void Run_AllocatesNothing()
    {
        var model = new InferenceModel(Policy(), TestData.Registry);
        using Inference handle = model.CreateHandle(8);
        float[] obs = new float[8 * 32], output = new float[8 * 4];
        Observation(2).CopyTo(obs, 0);
        handle.Run(obs, output);
        handle.RunBatch(obs, output, 8);
        handle.Run(obs, output);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            handle.Run(obs, output);
            handle.RunBatch(obs, output, 1 + i % 8);
        }
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.EqualTo(0));
    }

    [Test]
    public void Batch_EqualsSingleCalls()
    {
        var model = new InferenceModel(Policy(), TestData.Registry);
        using Inference single = model.CreateHandle();
        using Inference batch = model.CreateHandle(5);
        float[] obs = TestData.Uniform([5, 32], 4).Data.ToArray();
        var batched = new float[5 * 4];
        batch.RunBatch(obs, batched, 5);
        for (int i = 0; i < 5; i++)
        {
            var one = new float[4];
            single.Run(obs.AsSpan(i * 32, 32), one);
            Assert.That(batched.AsSpan(i * 4, 4).ToArray(), Is.EqualTo(one).Within(1e-6f));
        }
    }

    [Test]
    public void WeightSwaps_DuringInference_NeverExposeAHalfWrittenSet()
    {
        // Two weight sets with known outputs; readers on several threads must always see exactly one of them.
        NetParameter def = Policy();
        using var netA = new Engine.Net(def, TestData.Registry, new NetOptions { Phase = Phase.Test, Seed = 10 });
        using var netB = new Engine.Net(def, TestData.Registry, new NetOptions { Phase = Phase.Test, Seed = 11 });
        float[] obs = Observation(5);
        float[] Output(Engine.Net n)
        {
            obs.CopyTo(n.GetBlob("obs").MutableData);
            n.Forward();
            return n.GetBlob("out").Data.ToArray();
        }
        float[] a = Output(netA), b = Output(netB);
        Assert.That(a, Is.Not.EqualTo(b));

        var model = new InferenceModel(def, TestData.Registry, netA.ToProto());
        // 8 threads x 5 000 calls in CI; ENGINE_LONG_TESTS=1 runs 8 x 100 000, all while another thread swaps weights.
        const int threads = 8;
        int calls = Environment.GetEnvironmentVariable("ENGINE_LONG_TESTS") == "1" ? 100_000 : 5_000;
        int mismatches = 0, seenA = 0, seenB = 0;
        using var stop = new CancellationTokenSource();
        var swapper = Task.Run(() =>
        {
            for (int i = 0; !stop.IsCancellationRequested; i++)
            {
                model.UpdateWeights(i % 2 == 0 ? netB : netA);
            }
        });
        var readers = Enumerable.Range(0, threads).Select(_ => Task.Run(() =>
        {
            using Inference h = model.CreateHandle();
            var output = new float[4];
            for (int i = 0; i < calls; i++)
            {
                h.Run(obs, output);
                if (output.AsSpan().SequenceEqual(a))
                {
                    Interlocked.Increment(ref seenA);
                }
                else if (output.AsSpan().SequenceEqual(b))
                {
                    Interlocked.Increment(ref seenB);
                }
                else
                {
                    Interlocked.Increment(ref mismatches);
                }
            }
        })).ToArray();
        Task.WaitAll(readers);
        stop.Cancel();
        swapper.Wait();
        TestContext.Out.WriteLine($"{threads * calls} calls: {seenA} saw A, {seenB} saw B, {mismatches} mixed; {model.WeightGeneration} swaps");
        Assert.That(mismatches, Is.EqualTo(0));
        Assert.That(seenA + seenB, Is.EqualTo(threads * calls));
    }

    [Test]
    public void Handles_OnManyThreads_GiveIdenticalResults()
    {
        // 8 threads × 2 000 calls in CI; ENGINE_LONG_TESTS=1 runs 8 × 100 000. Every call is compared, bit for bit.
        int calls = Environment.GetEnvironmentVariable("ENGINE_LONG_TESTS") == "1" ? 100_000 : 2_000;
        var model = new InferenceModel(Policy(), TestData.Registry);
        float[] obs = Observation(6);
        var reference = new float[4];
        using (Inference h = model.CreateHandle())
        {
            h.Run(obs, reference);
        }
        long mismatches = 0, checkedCalls = 0;
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, t =>
        {
            using Inference h = model.CreateHandle();
            var output = new float[4];
            long bad = 0;
            for (int i = 0; i < calls; i++)
            {
                h.Run(obs, output);
                if (!output.AsSpan().SequenceEqual(reference))
                {
                    bad++;
                }
            }
            Interlocked.Add(ref mismatches, bad);
            Interlocked.Add(ref checkedCalls, calls);
        });
        TestContext.Out.WriteLine($"{checkedCalls} calls on 8 threads, {mismatches} differed from the single-threaded result");
        Assert.That(checkedCalls, Is.EqualTo(8L * calls));
        Assert.That(mismatches, Is.EqualTo(0), "bit-identical across threads");
    }

    [Test]
    public void ForwardJob_RunsInSlices_AndMatchesAFullForward()
    {
        using var net = new Engine.Net(Policy(), TestData.Registry, new NetOptions { Phase = Phase.Test, Seed = 4 });
        Observation(7).CopyTo(net.GetBlob("obs").MutableData);
        net.Forward();
        float[] expected = net.GetBlob("out").Data.ToArray();
        net.GetBlob("out").MutableData.Clear();

        ForwardJob job = net.BeginForward();
        int slices = 0;
        while (!job.RunFor(TimeSpan.Zero))
        {
            slices++;
        }
        Assert.That(slices + 1, Is.EqualTo(net.Layers.Count), "a zero budget still runs one layer per slice");
        Assert.That(net.GetBlob("out").Data.ToArray(), Is.EqualTo(expected));
        Assert.That(net.BeginForward(), Is.SameAs(job), "the job is reused, not allocated per pass");
    }

    [Test]
    public void BadCalls_AreRejectedClearly()
    {
        var model = new InferenceModel(Policy(), TestData.Registry);
        using Inference h = model.CreateHandle(2);
        var ex = Assert.Throws<ArgumentException>(() => h.RunBatch(new float[96], new float[12], 3));
        Assert.That(ex!.Message, Does.Contain("[1, 2]"));
        Assert.Throws<ArgumentException>(() => h.Run(new float[10], new float[4]));
    }
}
