using Engine.Proto;

namespace Engine.Layers;

/// <summary>Base of element-wise layers: one bottom, one top of the same shape; may run in place (top = bottom).</summary>
public abstract class NeuronLayer : Layer
{
    /// <summary>Creates the layer.</summary>
    protected NeuronLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    public override int ExactNumBottomBlobs => 1;

    /// <inheritdoc />
    public override int ExactNumTopBlobs => 1;

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top) => top[0].ReshapeLike(bottom[0]);
}
