using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Common part of RNN and LSTM (<c>recurrent_param</c>): bottoms x (T, N, ...) time-major, cont (T, N) (0 marks the
/// first step of a sequence), optional static input (N, ...), and with <c>expose_hidden</c> the initial states
/// (each (1, N, H)) as extra bottoms and the final states as extra tops. Main top (T, N, H).
/// Without <c>expose_hidden</c> the final states of one forward are the initial states of the next (as Caffe, for
/// streaming long sequences); a cont of 0 at the first step cuts that link.
/// </summary>
public abstract partial class RecurrentLayerBase : Layer
{
    private float[][] _carried = [];

    /// <summary>Creates the layer.</summary>
    protected RecurrentLayerBase(LayerParameter param)
        : base(param)
    {
    }

    /// <summary>Number of recurrent states (RNN: h; LSTM: h and c).</summary>
    protected abstract int NumStates { get; }

    /// <summary>Whether the initial/final states are bottoms/tops.</summary>
    protected bool ExposeHidden => Param.RecurrentParam?.ExposeHidden ?? false;

    /// <summary>Hidden size H (num_output).</summary>
    protected int Hidden { get; private set; }

    /// <summary>Time steps T.</summary>
    protected int Steps { get; private set; }

    /// <summary>Independent streams N.</summary>
    protected int Streams { get; private set; }

    /// <summary>Input values per (t, n): product of x's axes from 2 on.</summary>
    protected int InputDim { get; private set; }

    /// <summary>Whether there is a static input bottom.</summary>
    protected bool HasStatic { get; private set; }

    /// <summary>Static input values per stream (0 without a static input).</summary>
    protected int StaticDim { get; private set; }

    /// <summary>Index of the first initial-state bottom (only with expose_hidden).</summary>
    protected int FirstStateBottom => HasStatic ? 3 : 2;

    /// <inheritdoc />
    public override int MinBottomBlobs => 2 + (ExposeHidden ? NumStates : 0);

    /// <inheritdoc />
    public override int MaxBottomBlobs => MinBottomBlobs + 1;

    /// <inheritdoc />
    public override int ExactNumTopBlobs => 1 + (ExposeHidden ? NumStates : 0);

    /// <inheritdoc />
    public override bool AllowForceBackward(int bottomIndex) => bottomIndex != 1;

    /// <inheritdoc />
    public override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        RecurrentParameter p = Param.RecurrentParam ?? new RecurrentParameter();
        if (p.NumOutput == 0)
        {
            throw Error("recurrent_param.num_output must be greater than 0.");
        }
        Hidden = (int)p.NumOutput;
        HasStatic = bottom.Count > MinBottomBlobs;
        if (bottom[0].NumAxes < 2)
        {
            throw Error($"bottom 0 '{bottom[0].Name}' must be time-major (T, N, ...), got shape {bottom[0].ShapeString}.");
        }
        InputDim = bottom[0].CountFrom(2);
        if (HasStatic && bottom[2].NumAxes < 1)
        {
            throw Error($"static input '{bottom[2].Name}' must be (N, ...), got shape {bottom[2].ShapeString}.");
        }
        StaticDim = HasStatic ? bottom[2].CountFrom(1) : 0;
        _carried = new float[NumStates][];
        for (int s = 0; s < NumStates; s++)
        {
            _carried[s] = [];
        }
        if (Blobs.Count == 0)
        {
            CreateBlobs(p);
        }
    }

    /// <summary>Creates the learnable blobs in Caffe's order.</summary>
    private protected abstract void CreateBlobs(RecurrentParameter p);

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        Blob x = bottom[0], cont = bottom[1];
        if (x.NumAxes < 2)
        {
            throw Error($"bottom 0 '{x.Name}' must be time-major (T, N, ...), got shape {x.ShapeString}.");
        }
        if (x.CountFrom(2) != InputDim)
        {
            throw Error($"bottom 0 '{x.Name}' of shape {x.ShapeString} has {x.CountFrom(2)} inputs per step; the weights expect {InputDim}.");
        }
        int steps = x.ShapeAt(0), streams = x.ShapeAt(1);
        if (cont.NumAxes != 2 || cont.ShapeAt(0) != steps || cont.ShapeAt(1) != streams)
        {
            throw Error($"cont '{cont.Name}' must have shape (T, N) = ({steps}, {streams}) to match '{x.Name}' of shape {x.ShapeString}, got {cont.ShapeString}.");
        }
        if (HasStatic)
        {
            Blob s = bottom[2];
            if (s.NumAxes < 1 || s.ShapeAt(0) != streams || s.CountFrom(1) != StaticDim)
            {
                throw Error($"static input '{s.Name}' of shape {s.ShapeString} must be (N = {streams}, ...) with {StaticDim} values per stream.");
            }
        }
        if (ExposeHidden)
        {
            for (int k = 0; k < NumStates; k++)
            {
                Blob h = bottom[FirstStateBottom + k];
                if (h.NumAxes != 3 || h.ShapeAt(0) != 1 || h.ShapeAt(1) != streams || h.ShapeAt(2) != Hidden)
                {
                    throw Error($"initial state '{h.Name}' must have shape (1, {streams}, {Hidden}), got {h.ShapeString}.");
                }
            }
        }
        Steps = steps;
        if (streams != Streams)
        {
            // A new batch layout: the carried state no longer matches; start from zeros.
            for (int k = 0; k < _carried.Length; k++)
            {
                _carried[k] = new float[streams * Hidden];
            }
        }
        Streams = streams;
        Span<int> shape = stackalloc int[] { steps, streams, Hidden };
        top[0].Reshape(shape);
        shape[0] = 1;
        for (int k = 1; k < top.Count; k++)
        {
            top[k].Reshape(shape);
        }
        ReshapeBuffers();
    }

    /// <summary>Sizes the per-step caches for the current T and N (grow only).</summary>
    private protected abstract void ReshapeBuffers();

    /// <summary>The initial state <paramref name="index"/> for this forward: the exposed bottom or the carried state.</summary>
    private protected ReadOnlySpan<float> InitialState(IReadOnlyList<Blob> bottom, int index)
        => ExposeHidden ? bottom[FirstStateBottom + index].Data : _carried[index];

    /// <summary>Stores the final state <paramref name="index"/>: into its top, or as the next forward's initial state.</summary>
    private protected void StoreFinalState(IReadOnlyList<Blob> top, int index, ReadOnlySpan<float> state)
    {
        if (ExposeHidden)
        {
            state.CopyTo(top[1 + index].MutableData);
        }
        else
        {
            state.CopyTo(_carried[index]);
        }
    }

    /// <summary>Rejects a gradient request for the sequence indicators.</summary>
    private protected void CheckPropagateDown(ReadOnlySpan<bool> propagateDown)
    {
        if (propagateDown[1])
        {
            throw Error("cannot back-propagate to the sequence continuation indicators (bottom 1).");
        }
    }

    /// <summary>Grows <paramref name="buffer"/> to at least <paramref name="length"/> values.</summary>
    private protected static void Ensure(ref float[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new float[length];
        }
    }

    /// <summary>rows[r] += vector for each of <paramref name="rows"/> rows of <paramref name="width"/>.</summary>
    private protected void AddToRows(Span<float> matrix, int rows, int width, ReadOnlySpan<float> vector)
    {
        for (int r = 0; r < rows; r++)
        {
            Span<float> row = matrix.Slice(r * width, width);
            Ops.Add(row, vector, row);
        }
    }

    /// <summary>sums += Σ rows.</summary>
    private protected void SumRows(ReadOnlySpan<float> matrix, int rows, int width, Span<float> sums)
    {
        for (int r = 0; r < rows; r++)
        {
            Ops.Add(sums, matrix.Slice(r * width, width), sums);
        }
    }
}
