using Engine.Fillers;
using Engine.Proto;

namespace Engine.Samples.Simulation;

/// <summary>The agents' policy net: 8 senses → 32 tanh → 32 tanh → 8 heading scores (the agent takes the best).</summary>
internal static class Policy
{
    public const int Hidden = 32;

    /// <summary>The net the agents query every frame (batch = all agents).</summary>
    public static NetParameter Inference() => Layers(new NetBuilder("forager").Input("obs", 1, Senses.Size), "obs").Build();

    /// <summary>
    /// The same layers fed by a MemoryData layer (the simulation hands it minibatches from its replay buffer) with a
    /// loss, for training by imitation.
    /// </summary>
    public static NetParameter Training(int batch) => Layers(
            new NetBuilder("forager_train").Layer("data", "MemoryData", [], ["data", "label"], l => l.MemoryDataParam = new MemoryDataParameter
            {
                BatchSize = (uint)batch, Channels = Senses.Size, Height = 1, Width = 1,
            }),
            "data")
        .SoftmaxWithLoss("loss", "scores", "label")
        .Build();

    private static NetBuilder Layers(NetBuilder b, string input) => b
        .InnerProduct("ip1", input, Hidden, Filler.Xavier(), Filler.Constant(0))
        .TanH("act1", "ip1")
        .InnerProduct("ip2", "ip1", Hidden, Filler.Xavier(), Filler.Constant(0))
        .TanH("act2", "ip2")
        .InnerProduct("scores", "ip2", World.Directions, Filler.Xavier(), Filler.Constant(0));
}
