using Engine;
using Engine.Fillers;
using Engine.Proto;
using Microsoft.Extensions.DependencyInjection;

// Learns XOR with a two-layer net defined in C#: the smallest complete use of Engine.
using ServiceProvider services = new ServiceCollection().AddEngine().BuildServiceProvider();
NetParameter definition = new NetBuilder("xor")
    .Input("data", 4, 2).Input("label", 4)
    .InnerProduct("ip1", "data", 8, Filler.Xavier())
    .TanH("act1", "ip1")
    .InnerProduct("ip2", "ip1", 2, Filler.Xavier())
    .SoftmaxWithLoss("loss", "ip2", "label")
    .Softmax("prob", "ip2")
    .Build();

using Net net = services.GetRequiredService<NetFactory>().Create(definition, Phase.Train, seed: 1);
new float[] { 0, 0, 0, 1, 1, 0, 1, 1 }.CopyTo(net.GetBlob("data").MutableData);
new float[] { 0, 1, 1, 0 }.CopyTo(net.GetBlob("label").MutableData);

float loss = 0;
for (int i = 0; i < 2000; i++)
{
    net.ClearParamDiffs();
    loss = net.ForwardBackward();
    foreach (Blob p in net.LearnableParams)
    {
        p.ScaleDiff(0.5f); // plain SGD with learning rate 0.5
    }
    net.Update();
}

net.Forward();
ReadOnlySpan<float> prob = net.GetBlob("prob").Data;
Console.WriteLine($"final loss {loss:F4}");
for (int i = 0; i < 4; i++)
{
    Console.WriteLine($"xor sample {i}: P(1) = {prob[2 * i + 1]:F3}");
}
