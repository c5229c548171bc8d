using Engine.Proto;

namespace Engine;

/// <summary>
/// Fluent C# way to write a net definition (the other way is prototxt). Each call appends one layer;
/// <see cref="Build"/> returns the <see cref="NetParameter"/>. Layers may be added in any order: the net sorts them.
/// </summary>
/// <example>
/// <code>
/// NetParameter def = new NetBuilder("mlp")
///     .Input("data", 64, 2).Input("label", 64)
///     .InnerProduct("ip1", "data", 32, weightFiller: Filler.Xavier())
///     .ReLU("relu1", "ip1")
///     .InnerProduct("ip2", "ip1", 2, weightFiller: Filler.Xavier())
///     .SoftmaxWithLoss("loss", "ip2", "label")
///     .Build();
/// </code>
/// </example>
public sealed class NetBuilder
{
    private readonly NetParameter _net;

    /// <summary>Starts a definition with the given net name.</summary>
    public NetBuilder(string name) => _net = new NetParameter { Name = name };

    /// <summary>Appends any layer: name, type, bottoms, tops and an optional callback to set its parameters.</summary>
    public NetBuilder Layer(string name, string type, IEnumerable<string> bottoms, IEnumerable<string> tops, Action<LayerParameter>? configure = null)
    {
        var layer = new LayerParameter { Name = name, Type = type };
        layer.Bottom.AddRange(bottoms);
        layer.Top.AddRange(tops);
        configure?.Invoke(layer);
        _net.Layer.Add(layer);
        return this;
    }

    /// <summary>An Input layer with one top of the given shape.</summary>
    public NetBuilder Input(string top, params int[] shape)
        => Layer(top, "Input", [], [top], l =>
        {
            var blobShape = new BlobShape();
            foreach (int d in shape)
            {
                blobShape.Dim.Add(d);
            }
            l.InputParam = new InputParameter();
            l.InputParam.Shape.Add(blobShape);
        });

    /// <summary>A fully connected layer <c>y = x·Wᵀ + b</c>; top defaults to the layer name.</summary>
    public NetBuilder InnerProduct(string name, string bottom, int numOutput, FillerParameter? weightFiller = null, FillerParameter? biasFiller = null, bool biasTerm = true, string? top = null, float? lrMult = null)
        => Layer(name, "InnerProduct", [bottom], [top ?? name], l =>
        {
            l.InnerProductParam = new InnerProductParameter { NumOutput = (uint)numOutput, BiasTerm = biasTerm };
            if (weightFiller is not null)
            {
                l.InnerProductParam.WeightFiller = weightFiller;
            }
            if (biasFiller is not null)
            {
                l.InnerProductParam.BiasFiller = biasFiller;
            }
            if (lrMult is float m)
            {
                l.Param.Add(new ParamSpec { LrMult = m });
                l.Param.Add(new ParamSpec { LrMult = m });
            }
        });

    /// <summary>ReLU, in place on <paramref name="blob"/> unless a top is given.</summary>
    public NetBuilder ReLU(string name, string blob, string? top = null, float negativeSlope = 0f)
        => Layer(name, "ReLU", [blob], [top ?? blob], l =>
        {
            if (negativeSlope != 0f)
            {
                l.ReluParam = new ReLUParameter { NegativeSlope = negativeSlope };
            }
        });

    /// <summary>Sigmoid, in place unless a top is given.</summary>
    public NetBuilder Sigmoid(string name, string blob, string? top = null) => Layer(name, "Sigmoid", [blob], [top ?? blob]);

    /// <summary>TanH, in place unless a top is given.</summary>
    public NetBuilder TanH(string name, string blob, string? top = null) => Layer(name, "TanH", [blob], [top ?? blob]);

    /// <summary>Softmax over an axis; top defaults to the layer name.</summary>
    public NetBuilder Softmax(string name, string bottom, string? top = null, int axis = 1)
        => Layer(name, "Softmax", [bottom], [top ?? name], l => l.SoftmaxParam = new SoftmaxParameter { Axis = axis });

    /// <summary>Softmax + multinomial logistic loss against integer labels.</summary>
    public NetBuilder SoftmaxWithLoss(string name, string scores, string labels, string? top = null)
        => Layer(name, "SoftmaxWithLoss", [scores, labels], [top ?? name]);

    /// <summary>Euclidean (L2) loss Σ(a − b)²/(2N).</summary>
    public NetBuilder EuclideanLoss(string name, string a, string b, string? top = null)
        => Layer(name, "EuclideanLoss", [a, b], [top ?? name]);

    /// <summary>Sets <c>force_backward</c>.</summary>
    public NetBuilder ForceBackward(bool value = true)
    {
        _net.ForceBackward = value;
        return this;
    }

    /// <summary>The definition built so far (a copy).</summary>
    public NetParameter Build() => _net.Clone();
}
