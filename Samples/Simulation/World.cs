namespace Engine.Samples.Simulation;

/// <summary>
/// A 2D torus of foragers and food, advanced with a fixed timestep. Each agent picks one of eight headings per frame;
/// touching a pellet eats it, and a new pellet appears at a random place (from the world's own seeded generator).
/// </summary>
internal sealed class World
{
    public const float Size = 100f;
    public const float Speed = 0.6f;
    public const float EatRadius = 1.2f;
    public const float ViewRadius = 20f;
    public const int Directions = 8;

    private static readonly float[] DirX = new float[Directions];
    private static readonly float[] DirY = new float[Directions];

    private readonly EngineRandom _random;

    static World()
    {
        for (int d = 0; d < Directions; d++)
        {
            DirX[d] = MathF.Cos(2 * MathF.PI * d / Directions);
            DirY[d] = MathF.Sin(2 * MathF.PI * d / Directions);
        }
    }

    public World(int agents, int food, ulong seed)
    {
        _random = new EngineRandom(seed);
        AgentX = new float[agents];
        AgentY = new float[agents];
        Heading = new int[agents];
        FoodX = new float[food];
        FoodY = new float[food];
        for (int i = 0; i < agents; i++)
        {
            AgentX[i] = _random.NextFloat(0, Size);
            AgentY[i] = _random.NextFloat(0, Size);
            Heading[i] = _random.NextInt(Directions);
        }
        for (int f = 0; f < food; f++)
        {
            FoodX[f] = _random.NextFloat(0, Size);
            FoodY[f] = _random.NextFloat(0, Size);
        }
    }

    public float[] AgentX { get; }

    public float[] AgentY { get; }

    public int[] Heading { get; }

    public float[] FoodX { get; }

    public float[] FoodY { get; }

    public int Agents => AgentX.Length;

    /// <summary>Food eaten since the world began.</summary>
    public long Eaten { get; private set; }

    /// <summary>Frames simulated.</summary>
    public long Frame { get; private set; }

    /// <summary>Shortest vector from (x, y) to (tx, ty) on the torus.</summary>
    public static (float Dx, float Dy) Delta(float x, float y, float tx, float ty)
    {
        float dx = tx - x, dy = ty - y;
        if (dx > Size / 2) dx -= Size;
        if (dx < -Size / 2) dx += Size;
        if (dy > Size / 2) dy -= Size;
        if (dy < -Size / 2) dy += Size;
        return (dx, dy);
    }

    /// <summary>Advances one fixed step with each agent's chosen heading.</summary>
    public void Step(ReadOnlySpan<int> actions)
    {
        for (int i = 0; i < Agents; i++)
        {
            int d = actions[i];
            Heading[i] = d;
            AgentX[i] = Wrap(AgentX[i] + Speed * DirX[d]);
            AgentY[i] = Wrap(AgentY[i] + Speed * DirY[d]);
        }
        for (int f = 0; f < FoodX.Length; f++)
        {
            for (int i = 0; i < Agents; i++)
            {
                (float dx, float dy) = Delta(AgentX[i], AgentY[i], FoodX[f], FoodY[f]);
                if (dx * dx + dy * dy < EatRadius * EatRadius)
                {
                    Eaten++;
                    FoodX[f] = _random.NextFloat(0, Size);
                    FoodY[f] = _random.NextFloat(0, Size);
                    break;
                }
            }
        }
        Frame++;
    }

    private static float Wrap(float v) => v < 0 ? v + Size : v >= Size ? v - Size : v;

    /// <summary>Unit vector of heading <paramref name="d"/>.</summary>
    public static (float X, float Y) Direction(int d) => (DirX[d], DirY[d]);
}
