using System.Diagnostics;
using Engine.Embedding;
using Microsoft.Extensions.DependencyInjection;
using SkiaSharp;

namespace Engine.Samples.Simulation;

/// <summary>Settings of one run (from the command line).</summary>
internal sealed record SimulationOptions(int Frames = 2000, int Agents = 1000, int Food = 300, ulong Seed = 1, int TrainFrames = 1500, string Out = "out", bool Render = true);

/// <summary>What a run measured.</summary>
internal sealed record SimulationResult(long BaselineEaten, long TrainedEaten, long ExpertEaten, double MeanInferenceMs, double P99InferenceMs, long BytesPerFrame, float FinalLoss);

/// <summary>
/// The whole sample: measure the untrained policy, learn from the scripted expert inside the running world, swap the
/// new weights into the agents' inference handle at a frame boundary, and measure again on the same seeded world.
/// </summary>
internal static class SimulationRun
{
    public static SimulationResult Run(SimulationOptions o, TextWriter log)
    {
        using ServiceProvider services = new ServiceCollection().AddEngine().BuildServiceProvider();
        LayerRegistry registry = services.GetRequiredService<LayerRegistry>();
        var model = new InferenceModel(Policy.Inference(), registry, seed: o.Seed);
        using Inference agents = model.CreateHandle(o.Agents);
        log.WriteLine($"Engine simulation sample: {o.Agents} foragers, {o.Food} pellets on a {World.Size}×{World.Size} torus, seed {o.Seed}");

        (long baseline, _, _, _) = Evaluate(o, agents, useExpert: false, "untrained net");
        log.WriteLine($"untrained net:  {o.Frames} frames, food eaten {baseline}");

        // Learn in a differently seeded world: the policy acts (so it sees the states it reaches), the expert labels.
        using var trainer = new Trainer(services.GetRequiredService<Engine.Solvers.SolverFactory>(), o.Seed);
        var world = new World(o.Agents, o.Food, o.Seed + 1000);
        var obs = new float[o.Agents * Senses.Size];
        var scores = new float[o.Agents * World.Directions];
        var actions = new int[o.Agents];
        var losses = new List<float>();
        var eatenCurve = new List<float>();
        var labelRandom = new EngineRandom(o.Seed + 7);
        float loss = float.NaN;
        long eatenAtLastPoint = 0;
        for (int frame = 0; frame < o.TrainFrames; frame++)
        {
            Senses.Observe(world, obs);
            agents.RunBatch(obs, scores, o.Agents);
            Act(scores, actions);
            for (int s = 0; s < 64; s++)
            {
                int i = labelRandom.NextInt(o.Agents);
                ReadOnlySpan<float> observation = obs.AsSpan(i * Senses.Size, Senses.Size);
                trainer.Add(observation, Senses.ExpertAction(observation));
            }
            world.Step(actions);
            if (trainer.Samples >= 1024)
            {
                loss = trainer.Step();
                losses.Add(loss);
            }
            if ((frame + 1) % 50 == 0)
            {
                model.UpdateWeights(trainer.Net); // handles pick the new weights up at their next call
            }
            if ((frame + 1) % 100 == 0)
            {
                eatenCurve.Add(world.Eaten - eatenAtLastPoint);
                eatenAtLastPoint = world.Eaten;
            }
        }
        model.UpdateWeights(trainer.Net);
        log.WriteLine($"training:       {o.TrainFrames} frames in the world, {losses.Count} updates, final minibatch loss {loss:F3}");

        (long trained, double mean, double p99, long bytes) = Evaluate(o, agents, useExpert: false, "trained net");
        (long expert, _, _, _) = Evaluate(o, agents, useExpert: true, "expert");
        log.WriteLine($"trained net:    {o.Frames} frames, food eaten {trained} ({(double)trained / Math.Max(1, baseline):F2}× the untrained net; the scripted expert eats {expert})");
        log.WriteLine($"frames simulated {3 * o.Frames + o.TrainFrames}, agents {o.Agents}");
        log.WriteLine($"inference per frame (all {o.Agents} agents, one call, one core): mean {mean:F3} ms, p99 {p99:F3} ms");
        log.WriteLine($"bytes allocated per frame in steady state: {bytes}");

        if (o.Render)
        {
            Directory.CreateDirectory(o.Out);
            Renderer.SaveChart(Path.Combine(o.Out, "learning_curve.png"), "Imitation loss per update", "update",
                ("minibatch loss", losses, new SKColor(200, 60, 60)));
            Renderer.SaveChart(Path.Combine(o.Out, "food_per_100_frames.png"), "Food eaten per 100 frames while learning", "frames / 100",
                ("food eaten", eatenCurve, new SKColor(40, 140, 60)));
            RenderFrames(o, agents);
            log.WriteLine($"pictures written to {Path.GetFullPath(o.Out)}");
        }
        return new SimulationResult(baseline, trained, expert, mean, p99, bytes, loss);
    }

    private static (long Eaten, double MeanMs, double P99Ms, long BytesPerFrame) Evaluate(SimulationOptions o, Inference agents, bool useExpert, string what)
    {
        var world = new World(o.Agents, o.Food, o.Seed);
        var obs = new float[o.Agents * Senses.Size];
        var scores = new float[o.Agents * World.Directions];
        var actions = new int[o.Agents];
        var times = new double[o.Frames];
        const int warmup = 10;
        long allocated = 0;
        for (int frame = 0; frame < o.Frames; frame++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            Senses.Observe(world, obs);
            long start = Stopwatch.GetTimestamp();
            agents.RunBatch(obs, scores, o.Agents);
            times[frame] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (useExpert)
            {
                for (int i = 0; i < o.Agents; i++)
                {
                    actions[i] = Senses.ExpertAction(obs.AsSpan(i * Senses.Size, Senses.Size));
                }
            }
            else
            {
                Act(scores, actions);
            }
            world.Step(actions);
            if (frame >= warmup)
            {
                allocated += GC.GetAllocatedBytesForCurrentThread() - before;
            }
        }
        double[] steady = times[Math.Min(warmup, times.Length - 1)..];
        Array.Sort(steady);
        double mean = steady.Average();
        double p99 = steady[Math.Min(steady.Length - 1, (int)(0.99 * steady.Length))];
        long perFrame = o.Frames > warmup ? allocated / (o.Frames - warmup) : 0;
        return (world.Eaten, mean, p99, perFrame);
    }

    private static void Act(ReadOnlySpan<float> scores, Span<int> actions)
    {
        for (int i = 0; i < actions.Length; i++)
        {
            ReadOnlySpan<float> s = scores.Slice(i * World.Directions, World.Directions);
            int best = 0;
            for (int d = 1; d < s.Length; d++)
            {
                if (s[d] > s[best])
                {
                    best = d;
                }
            }
            actions[i] = best;
        }
    }

    private static void RenderFrames(SimulationOptions o, Inference agents)
    {
        var world = new World(o.Agents, o.Food, o.Seed);
        var obs = new float[o.Agents * Senses.Size];
        var scores = new float[o.Agents * World.Directions];
        var actions = new int[o.Agents];
        string dir = Path.Combine(o.Out, "frames");
        Directory.CreateDirectory(dir);
        const int gifPixels = 256;
        var rgba = new byte[gifPixels * gifPixels * 4];
        using FileStream gifFile = File.Create(Path.Combine(o.Out, "foragers.gif"));
        using (var gif = new GifWriter(gifFile, gifPixels, gifPixels, delayCentiseconds: 7))
        {
            for (int frame = 0; frame < 240; frame++)
            {
                Senses.Observe(world, obs);
                agents.RunBatch(obs, scores, o.Agents);
                Act(scores, actions);
                world.Step(actions);
                if (frame % 4 == 0)
                {
                    string caption = $"trained foragers, frame {frame}, eaten {world.Eaten}";
                    Renderer.SaveFrame(world, Path.Combine(dir, $"frame_{frame / 4:D3}.png"), caption);
                    Renderer.RenderRgba(world, caption, gifPixels, rgba);
                    gif.AddFrame(rgba);
                }
            }
        }
        File.Copy(Path.Combine(dir, "frame_059.png"), Path.Combine(o.Out, "frame.png"), overwrite: true);
    }
}
