namespace Engine.Samples.Simulation;

/// <summary>
/// What an agent sees: the offsets to its three nearest visible pellets (scaled by the view radius, nearest first,
/// zeros when fewer are visible) and its current heading — eight numbers. Also the scripted expert that steers
/// toward the nearest pellet, which the net learns to imitate.
/// </summary>
internal static class Senses
{
    public const int Size = 8;
    private const int Nearest = 3;

    /// <summary>Writes every agent's observation into <paramref name="observations"/> (agents × 8).</summary>
    public static void Observe(World world, Span<float> observations)
    {
        Span<float> bestD = stackalloc float[Nearest];
        Span<int> bestF = stackalloc int[Nearest];
        for (int i = 0; i < world.Agents; i++)
        {
            bestD.Fill(float.MaxValue);
            bestF.Fill(-1);
            float x = world.AgentX[i], y = world.AgentY[i];
            for (int f = 0; f < world.FoodX.Length; f++)
            {
                (float dx, float dy) = World.Delta(x, y, world.FoodX[f], world.FoodY[f]);
                float d2 = dx * dx + dy * dy;
                if (d2 > World.ViewRadius * World.ViewRadius || d2 >= bestD[Nearest - 1])
                {
                    continue;
                }
                int k = Nearest - 1;
                while (k > 0 && bestD[k - 1] > d2)
                {
                    bestD[k] = bestD[k - 1];
                    bestF[k] = bestF[k - 1];
                    k--;
                }
                bestD[k] = d2;
                bestF[k] = f;
            }
            Span<float> o = observations.Slice(i * Size, Size);
            for (int k = 0; k < Nearest; k++)
            {
                if (bestF[k] < 0)
                {
                    o[2 * k] = 0f;
                    o[2 * k + 1] = 0f;
                    continue;
                }
                (float dx, float dy) = World.Delta(x, y, world.FoodX[bestF[k]], world.FoodY[bestF[k]]);
                o[2 * k] = dx / World.ViewRadius;
                o[2 * k + 1] = dy / World.ViewRadius;
            }
            (float hx, float hy) = World.Direction(world.Heading[i]);
            o[6] = hx;
            o[7] = hy;
        }
    }

    /// <summary>The expert's heading: toward the nearest pellet, or straight on when none is visible.</summary>
    public static int ExpertAction(ReadOnlySpan<float> observation)
    {
        float dx = observation[0], dy = observation[1];
        if (dx == 0f && dy == 0f)
        {
            return Argmax(observation[6], observation[7]);
        }
        return Argmax(dx, dy);
    }

    private static int Argmax(float vx, float vy)
    {
        int best = 0;
        float bestDot = float.NegativeInfinity;
        for (int d = 0; d < World.Directions; d++)
        {
            (float x, float y) = World.Direction(d);
            float dot = x * vx + y * vy;
            if (dot > bestDot)
            {
                bestDot = dot;
                best = d;
            }
        }
        return best;
    }
}
