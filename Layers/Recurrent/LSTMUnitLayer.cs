using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// One LSTM step as a layer: bottoms c_prev (1, N, H), gate pre-activations (1, N, 4H) in order i, f, o, g, and
/// cont (1, N); tops c (1, N, H) and h (1, N, H). c = cont·σ(f)·c_prev + σ(i)·tanh(g), h = σ(o)·tanh(c).
/// No gradient to cont.
/// </summary>
[Layer("LSTMUnit", Summary = "A single LSTM step: (c_prev, gates, cont) → (c, h).")]
public sealed class LSTMUnitLayer : Layer
{
    private float[] _acts = [];
    private float[] _tanhC = [];
    private float[] _dGates = [];
    private float[] _dcPrev = [];
    private int _streams;
    private int _hidden;

    /// <summary>Creates the layer.</summary>
    public LSTMUnitLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    public override int ExactNumBottomBlobs => 3;

    /// <inheritdoc />
    public override int ExactNumTopBlobs => 2;

    /// <inheritdoc />
    public override bool AllowForceBackward(int bottomIndex) => bottomIndex != 2;

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        Blob c = bottom[0], x = bottom[1], cont = bottom[2];
        if (c.NumAxes != 3 || c.ShapeAt(0) != 1)
        {
            throw Error($"c_prev '{c.Name}' must have shape (1, N, H), got {c.ShapeString}.");
        }
        _streams = c.ShapeAt(1);
        _hidden = c.ShapeAt(2);
        if (x.NumAxes != 3 || x.ShapeAt(0) != 1 || x.ShapeAt(1) != _streams || x.ShapeAt(2) != 4 * _hidden)
        {
            throw Error($"gates '{x.Name}' must have shape (1, {_streams}, {4 * _hidden}) to match c_prev '{c.Name}' of shape {c.ShapeString}, got {x.ShapeString}.");
        }
        if (cont.NumAxes != 2 || cont.ShapeAt(0) != 1 || cont.ShapeAt(1) != _streams)
        {
            throw Error($"cont '{cont.Name}' must have shape (1, {_streams}), got {cont.ShapeString}.");
        }
        top[0].ReshapeLike(c);
        top[1].ReshapeLike(c);
        if (_acts.Length < x.Count)
        {
            _acts = new float[x.Count];
            _dGates = new float[x.Count];
        }
        if (_tanhC.Length < c.Count)
        {
            _tanhC = new float[c.Count];
            _dcPrev = new float[c.Count];
        }
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        Span<float> acts = _acts.AsSpan(0, bottom[1].Count);
        bottom[1].Data.CopyTo(acts);
        LstmCell.Forward(_streams, _hidden, acts, bottom[2].Data, bottom[0].Data, top[0].MutableData, _tanhC, top[1].MutableData);
    }

    /// <inheritdoc />
    protected override void BackwardCpu(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (propagateDown[2])
        {
            throw Error("cannot back-propagate to the sequence continuation indicators (bottom 2).");
        }
        if (!propagateDown[0] && !propagateDown[1])
        {
            return;
        }
        int nh = _streams * _hidden;
        LstmCell.Backward(_streams, _hidden, _acts, bottom[2].Data, bottom[0].Data, _tanhC, top[1].Diff, top[0].Diff,
            _dGates, _dcPrev);
        if (propagateDown[0])
        {
            _dcPrev.AsSpan(0, nh).CopyTo(bottom[0].MutableDiff);
        }
        if (propagateDown[1])
        {
            _dGates.AsSpan(0, 4 * nh).CopyTo(bottom[1].MutableDiff);
        }
    }
}
