using Engine.Proto;

namespace Engine;

/// <summary>
/// Base class of every layer. Public <see cref="SetUp"/>, <see cref="Forward"/> and <see cref="Backward"/> are fixed
/// templates (arity checks, reshaping, loss bookkeeping); layers override the small hooks:
/// <see cref="LayerSetUp"/>, <see cref="Reshape"/>, <see cref="ForwardCpu"/>, <see cref="BackwardCpu"/> and, for
/// device backends, <see cref="ForwardDevice"/>/<see cref="BackwardDevice"/> (which fall back to the CPU path).
/// </summary>
public abstract class Layer : IDisposable
{
    private float[] _lossWeights = [];

    /// <summary>Creates the layer from its definition.</summary>
    protected Layer(LayerParameter param)
    {
        Param = param ?? throw new ArgumentNullException(nameof(param));
    }

    /// <summary>The layer's definition.</summary>
    public LayerParameter Param { get; }

    /// <summary>The layer's name.</summary>
    public string Name => Param.Name;

    /// <summary>The registered type name (e.g. <c>InnerProduct</c>).</summary>
    public string Type => Param.Type;

    /// <summary>TRAIN or TEST, as set by the net.</summary>
    public Phase Phase => Param.Phase;

    /// <summary>Learnable (and other persistent) blobs, in Caffe's order for this layer type.</summary>
    public List<Blob> Blobs { get; } = [];

    /// <summary>Backend this layer computes on. Set by the net before <see cref="SetUp"/>.</summary>
    public Backend Backend { get; set; } = Backend.Cpu;

    /// <summary>Host math of the backend.</summary>
    protected IMath Ops => Backend.Math;

    /// <summary>The net's random generator (fillers, dropout). Set by the net before <see cref="SetUp"/>.</summary>
    public EngineRandom Random { get; set; } = new(0);

    /// <summary>Per parameter blob: whether its gradient is computed.</summary>
    public bool[] ParamPropagateDown { get; set; } = [];

    /// <summary>Loss weight of each top (0 for tops that are not losses).</summary>
    public ReadOnlySpan<float> LossWeights => _lossWeights;

    /// <summary>Loss weight of top <paramref name="topIndex"/>.</summary>
    public float LossWeight(int topIndex) => topIndex < _lossWeights.Length ? _lossWeights[topIndex] : 0f;

    /// <summary>True for loss layers: their first top weighs 1 unless the definition says otherwise.</summary>
    public virtual bool IsLoss => false;

    /// <summary>Exact number of bottoms, or −1 for no constraint.</summary>
    public virtual int ExactNumBottomBlobs => -1;

    /// <summary>Minimum number of bottoms, or −1.</summary>
    public virtual int MinBottomBlobs => -1;

    /// <summary>Maximum number of bottoms, or −1.</summary>
    public virtual int MaxBottomBlobs => -1;

    /// <summary>Exact number of tops, or −1.</summary>
    public virtual int ExactNumTopBlobs => -1;

    /// <summary>Minimum number of tops, or −1.</summary>
    public virtual int MinTopBlobs => -1;

    /// <summary>Maximum number of tops, or −1.</summary>
    public virtual int MaxTopBlobs => -1;

    /// <summary>True when there must be as many tops as bottoms.</summary>
    public virtual bool EqualNumBottomTopBlobs => false;

    /// <summary>True when the net should create anonymous tops up to the minimum/exact count (loss layers).</summary>
    public virtual bool AutoTopBlobs => false;

    /// <summary>Whether <c>force_backward</c> may turn on the gradient of bottom <paramref name="bottomIndex"/> (false for labels).</summary>
    public virtual bool AllowForceBackward(int bottomIndex) => true;

    /// <summary>One-time setup: checks the blob counts, then runs <see cref="LayerSetUp"/>, <see cref="Reshape"/> and sets loss weights.</summary>
    public void SetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        CheckBlobCounts(bottom, top);
        LayerSetUp(bottom, top);
        Reshape(bottom, top);
        SetLossWeights(top);
        if (ParamPropagateDown.Length != Blobs.Count)
        {
            var flags = new bool[Blobs.Count];
            Array.Fill(flags, true);
            ParamPropagateDown = flags;
        }
    }

    /// <summary>Reads the definition and creates parameter blobs. Called once.</summary>
    public virtual void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
    }

    /// <summary>Sets top shapes (and internal buffers) from bottom shapes. Called at setup and before every forward.</summary>
    public abstract void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top);

    /// <summary>Reshapes, computes the tops and returns this layer's weighted loss (0 for non-loss layers).</summary>
    public float Forward(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        Reshape(bottom, top);
        if (Backend.IsDevice)
        {
            ForwardDevice(bottom, top);
        }
        else
        {
            ForwardCpu(bottom, top);
        }
        float loss = 0f;
        for (int i = 0; i < _lossWeights.Length; i++)
        {
            if (_lossWeights[i] != 0f)
            {
                loss += _lossWeights[i] * Ops.Sum(top[i].Data);
            }
        }
        return loss;
    }

    /// <summary>
    /// Computes bottom gradients (where <paramref name="propagateDown"/> says so) and accumulates parameter gradients,
    /// from the tops' diffs. Loss tops' diffs must hold their loss weight (the net seeds them).
    /// </summary>
    public void Backward(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (Backend.IsDevice)
        {
            BackwardDevice(top, propagateDown, bottom);
        }
        else
        {
            BackwardCpu(top, propagateDown, bottom);
        }
    }

    /// <summary>Forward on host memory.</summary>
    protected abstract void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top);

    /// <summary>Backward on host memory. Layers without a gradient leave this as is: it fails if the net needs it.</summary>
    protected virtual void BackwardCpu(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        for (int i = 0; i < propagateDown.Length; i++)
        {
            if (propagateDown[i])
            {
                throw new NotSupportedException($"Layer '{Name}' of type {Type} cannot back-propagate to bottom {i} ('{bottom[i].Name}').");
            }
        }
    }

    /// <summary>Forward on device memory; falls back to the CPU path so a layer can ship CPU-first.</summary>
    protected virtual void ForwardDevice(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top) => ForwardCpu(bottom, top);

    /// <summary>Backward on device memory; falls back to the CPU path.</summary>
    protected virtual void BackwardDevice(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
        => BackwardCpu(top, propagateDown, bottom);

    /// <summary>Approximate multiply-add count ×2 of one forward pass at the current shapes (for reports).</summary>
    public virtual long ForwardFlops(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top) => 0;

    /// <summary>Throws an error naming this layer.</summary>
    protected Exception Error(string message) => new LayerException(Name, Type, message);

    /// <summary>Canonical index of a possibly negative axis of <paramref name="blob"/>, with an error naming this layer.</summary>
    protected int CanonicalAxis(Blob blob, int axis)
    {
        if (axis < -blob.NumAxes || axis >= blob.NumAxes)
        {
            throw Error($"axis {axis} is out of range for bottom '{blob.Name}' of shape {blob.ShapeString}.");
        }
        return axis < 0 ? axis + blob.NumAxes : axis;
    }

    private void CheckBlobCounts(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (ExactNumBottomBlobs >= 0 && bottom.Count != ExactNumBottomBlobs)
        {
            throw Error($"takes {ExactNumBottomBlobs} bottom blob(s), got {bottom.Count}.");
        }
        if (MinBottomBlobs >= 0 && bottom.Count < MinBottomBlobs)
        {
            throw Error($"takes at least {MinBottomBlobs} bottom blob(s), got {bottom.Count}.");
        }
        if (MaxBottomBlobs >= 0 && bottom.Count > MaxBottomBlobs)
        {
            throw Error($"takes at most {MaxBottomBlobs} bottom blob(s), got {bottom.Count}.");
        }
        if (ExactNumTopBlobs >= 0 && top.Count != ExactNumTopBlobs)
        {
            throw Error($"produces {ExactNumTopBlobs} top blob(s), got {top.Count}.");
        }
        if (MinTopBlobs >= 0 && top.Count < MinTopBlobs)
        {
            throw Error($"produces at least {MinTopBlobs} top blob(s), got {top.Count}.");
        }
        if (MaxTopBlobs >= 0 && top.Count > MaxTopBlobs)
        {
            throw Error($"produces at most {MaxTopBlobs} top blob(s), got {top.Count}.");
        }
        if (EqualNumBottomTopBlobs && bottom.Count != top.Count)
        {
            throw Error($"needs as many tops as bottoms, got {bottom.Count} bottom(s) and {top.Count} top(s).");
        }
    }

    private void SetLossWeights(IReadOnlyList<Blob> top)
    {
        int given = Param.LossWeight.Count;
        if (given > 0 && given != top.Count)
        {
            throw Error($"has {given} loss_weight value(s) but {top.Count} top(s); give one per top or none.");
        }
        _lossWeights = new float[top.Count];
        if (given > 0)
        {
            for (int i = 0; i < given; i++)
            {
                _lossWeights[i] = Param.LossWeight[i];
            }
        }
        else if (IsLoss && top.Count > 0)
        {
            _lossWeights[0] = 1f;
        }
    }

    /// <summary>Releases the parameter blobs this layer owns.</summary>
    public virtual void Dispose()
    {
        foreach (Blob blob in Blobs)
        {
            blob.Dispose();
        }
        GC.SuppressFinalize(this);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({Type})";
}
