using Engine.Backends.OpenCL;
using Engine.Formats;
using Engine.Proto;

namespace Engine;

/// <summary>
/// A directed acyclic graph of layers built from a <see cref="NetParameter"/>: layers are filtered by the net state,
/// ordered topologically, given split layers where a blob feeds several readers, set up, and connected by blobs.
/// Runs forward (returning the weighted loss) and backward (only through layers that need it).
/// </summary>
public sealed partial class Net : IDisposable
{
    private readonly List<Layer> _layers = [];
    private readonly List<Blob[]> _bottoms = [];
    private readonly List<Blob[]> _tops = [];
    private readonly List<bool[]> _bottomNeedBackward = [];
    private readonly List<bool> _layerNeedBackward = [];
    private readonly List<Blob> _blobs = [];
    private readonly Dictionary<string, int> _blobIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _layerIndex = new(StringComparer.Ordinal);
    private readonly List<Blob> _learnableParams = [];
    private readonly List<float> _lrMults = [];
    private readonly List<float> _decayMults = [];
    private readonly List<string> _learnableParamNames = [];
    private readonly List<Blob> _inputs = [];
    private readonly List<Blob> _outputs = [];
    private bool _disposed;
    private ForwardJob? _job;

    /// <summary>Builds a net from a definition.</summary>
    /// <param name="definition">The net definition (not modified).</param>
    /// <param name="registry">Where layer types are found.</param>
    /// <param name="options">Phase, level, stages, backend and seed.</param>
    /// <exception cref="NetException">Structural errors (cycles, missing bottoms, duplicate producers, bad sharing).</exception>
    /// <exception cref="LayerException">A layer rejects its parameters or shapes.</exception>
    public Net(NetParameter definition, LayerRegistry registry, NetOptions? options = null)
    {
        options ??= new NetOptions();
        Backend = options.Backend ?? Backend.Cpu;
        Random = new EngineRandom(options.Seed);
        State = MakeState(definition, options);
        Name = definition.Name;
        Definition = definition.Clone();

        var kept = definition.Layer.Where(l => NetStateFilter.Applies(l, State)).ToList();
        for (int i = 0; i < kept.Count; i++)
        {
            if (string.IsNullOrEmpty(kept[i].Name))
            {
                kept[i] = kept[i].Clone();
                kept[i].Name = $"{kept[i].Type}{i}";
            }
        }
        List<LayerParameter> ordered = SplitInsertion.Insert(LayerOrdering.Sort(kept));
        try
        {
            using Fillers.Filler.SkipScope? skip = options.ShapesOnly ? Fillers.Filler.SkipFilling() : null;
            Build(ordered, registry, definition.ForceBackward);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The net's name.</summary>
    public string Name { get; }

    /// <summary>The definition this net was built from (a copy).</summary>
    public NetParameter Definition { get; }

    /// <summary>The state (phase, level, stages) layers were filtered with.</summary>
    public NetState State { get; }

    /// <summary>TRAIN or TEST.</summary>
    public Phase Phase => State.Phase;

    /// <summary>The backend blobs and layers use.</summary>
    public Backend Backend { get; }

    /// <summary>The net's random generator (fillers, dropout).</summary>
    public EngineRandom Random { get; }

    /// <summary>Layers in execution order (split layers included).</summary>
    public IReadOnlyList<Layer> Layers => _layers;

    /// <summary>Names of the layers in execution order.</summary>
    public IEnumerable<string> LayerNames => _layers.Select(l => l.Name);

    /// <summary>Every blob that connects layers, in creation order.</summary>
    public IReadOnlyList<Blob> Blobs => _blobs;

    /// <summary>Names of the blobs.</summary>
    public IEnumerable<string> BlobNames => _blobs.Select(b => b.Name);

    /// <summary>Bottoms of layer <paramref name="layerIndex"/>.</summary>
    public IReadOnlyList<Blob> BottomsOf(int layerIndex) => _bottoms[layerIndex];

    /// <summary>Tops of layer <paramref name="layerIndex"/>.</summary>
    public IReadOnlyList<Blob> TopsOf(int layerIndex) => _tops[layerIndex];

    /// <summary>Whether layer <paramref name="layerIndex"/> runs backward.</summary>
    public bool LayerNeedsBackward(int layerIndex) => _layerNeedBackward[layerIndex];

    /// <summary>Whether layer <paramref name="layerIndex"/> computes the gradient of bottom <paramref name="bottomIndex"/>.</summary>
    public bool BottomNeedsBackward(int layerIndex, int bottomIndex) => _bottomNeedBackward[layerIndex][bottomIndex];

    /// <summary>Parameters the solver updates (owners only; shared copies are left out), in (layer, blob) order.</summary>
    public IReadOnlyList<Blob> LearnableParams => _learnableParams;

    /// <summary>lr_mult of each learnable parameter.</summary>
    public IReadOnlyList<float> ParamLrMults => _lrMults;

    /// <summary>decay_mult of each learnable parameter.</summary>
    public IReadOnlyList<float> ParamDecayMults => _decayMults;

    /// <summary>A readable name of each learnable parameter (<c>layer/index</c>).</summary>
    public IReadOnlyList<string> LearnableParamNames => _learnableParamNames;

    /// <summary>Input blobs: the tops of Input layers.</summary>
    public IReadOnlyList<Blob> InputBlobs => _inputs;

    /// <summary>Output blobs: those no layer reads (losses, accuracies, predictions).</summary>
    public IReadOnlyList<Blob> OutputBlobs => _outputs;

    /// <summary>True when a blob of that name exists.</summary>
    public bool HasBlob(string name) => _blobIndex.ContainsKey(name);

    /// <summary>The blob called <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such blob; the message lists the closest names.</exception>
    public Blob GetBlob(string name)
    {
        if (_blobIndex.TryGetValue(name, out int i))
        {
            return _blobs[i];
        }
        throw new KeyNotFoundException($"Net '{Name}' has no blob '{name}'.{Hint(name, _blobIndex.Keys)}");
    }

    /// <summary>True when a layer of that name exists.</summary>
    public bool HasLayer(string name) => _layerIndex.ContainsKey(name);

    /// <summary>The layer called <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such layer.</exception>
    public Layer GetLayer(string name) => _layers[LayerIndex(name)];

    /// <summary>Execution index of the layer called <paramref name="name"/>.</summary>
    public int LayerIndex(string name)
    {
        if (_layerIndex.TryGetValue(name, out int i))
        {
            return i;
        }
        throw new KeyNotFoundException($"Net '{Name}' has no layer '{name}'.{Hint(name, _layerIndex.Keys)}");
    }

    /// <summary>Runs every layer forward and returns the total weighted loss.</summary>
    public float Forward() => ForwardFromTo(0, _layers.Count - 1);

    /// <summary>Runs layers <paramref name="start"/>..<paramref name="end"/> (inclusive) forward; returns their weighted loss.</summary>
    public float ForwardFromTo(int start, int end)
    {
        CheckRange(start, end);
        float loss = 0f;
        for (int i = start; i <= end; i++)
        {
            loss += _layers[i].Forward(_bottoms[i], _tops[i]);
        }
        return loss;
    }

    /// <summary>
    /// Starts a forward pass to be run in time-budgeted slices (<see cref="ForwardJob.RunFor"/>), e.g. a few milliseconds
    /// per frame. The returned job is owned by the net and reused by the next call.
    /// </summary>
    public ForwardJob BeginForward()
    {
        _job ??= new ForwardJob(this);
        _job.Restart();
        return _job;
    }

    /// <summary>Back-propagates through every layer that needs it, accumulating parameter gradients into their diffs.</summary>
    public void Backward() => BackwardFromTo(_layers.Count - 1, 0);

    /// <summary>Back-propagates through layers <paramref name="start"/> down to <paramref name="end"/> (inclusive).</summary>
    public void BackwardFromTo(int start, int end)
    {
        CheckRange(end, start);
        for (int i = start; i >= end; i--)
        {
            if (!_layerNeedBackward[i])
            {
                continue;
            }
            Layer layer = _layers[i];
            Blob[] tops = _tops[i];
            for (int j = 0; j < tops.Length; j++)
            {
                float w = layer.LossWeight(j);
                if (w != 0f)
                {
                    // The gradient of (w · Σ top) with respect to the top is w everywhere.
                    Backend.Math.Set(w, tops[j].MutableDiff);
                }
            }
            layer.Backward(tops, _bottomNeedBackward[i], _bottoms[i]);
        }
    }

    /// <summary>Forward then backward; returns the loss.</summary>
    public float ForwardBackward()
    {
        float loss = Forward();
        Backward();
        return loss;
    }

    /// <summary>Sets every learnable parameter's diff to zero (before accumulating a new gradient).</summary>
    public void ClearParamDiffs()
    {
        foreach (Blob p in _learnableParams)
        {
            if (Backend.IsDevice && p.DiffMemory.HasDevice)
            {
                // A device fill: clearing through the host view would first copy the old gradient back.
                p.DiffMemory.MutableDeviceData.Clear(p.Count);
            }
            else
            {
                p.MutableDiff.Clear();
            }
        }
    }

    /// <summary>data −= diff for every learnable parameter (the solver puts the update step in diff); on the device for an OpenCL net.</summary>
    public void Update()
    {
        if (Backend is OpenCLBackend cl)
        {
            foreach (Blob p in _learnableParams)
            {
                cl.DeviceMath.Sub(p.Count, p.DeviceData(), 0, p.DeviceDiff(), 0, p.MutableDeviceData(), 0);
            }
            return;
        }
        foreach (Blob p in _learnableParams)
        {
            p.Update();
        }
    }

    /// <summary>Re-runs Reshape through all layers (after an input blob changed shape).</summary>
    public void Reshape()
    {
        for (int i = 0; i < _layers.Count; i++)
        {
            _layers[i].Reshape(_bottoms[i], _tops[i]);
        }
    }

    /// <summary>Makes this net's layers use the parameter memory of same-named layers in <paramref name="other"/> (test nets share the train net's weights).</summary>
    public void ShareTrainedLayersWith(Net other)
    {
        foreach (Layer source in other._layers)
        {
            if (!_layerIndex.TryGetValue(source.Name, out int i))
            {
                continue;
            }
            Layer target = _layers[i];
            if (target.Blobs.Count != source.Blobs.Count)
            {
                throw new NetException($"Cannot share layer '{source.Name}': {source.Blobs.Count} blob(s) in the source, {target.Blobs.Count} here.");
            }
            for (int k = 0; k < source.Blobs.Count; k++)
            {
                Blob s = source.Blobs[k], t = target.Blobs[k];
                if (!s.ShapeEquals(t))
                {
                    throw new NetException($"Cannot share layer '{source.Name}' blob {k}: source shape {s.ShapeString}, target shape {t.ShapeString}.");
                }
                t.ShareData(s);
            }
        }
    }

    /// <summary>Per-blob and total memory in use.</summary>
    public NetMemoryReport GetMemoryReport()
    {
        var entries = new List<NetMemoryReport.Entry>();
        foreach (Blob b in _blobs)
        {
            entries.Add(new NetMemoryReport.Entry(b.Name, b.ShapeArray, (long)b.Count * sizeof(float) * 2));
        }
        long paramBytes = 0;
        long paramCount = 0;
        foreach (Layer l in _layers)
        {
            foreach (Blob p in l.Blobs)
            {
                paramBytes += (long)p.Count * sizeof(float) * 2;
            }
        }
        foreach (Blob p in _learnableParams)
        {
            paramCount += p.Count;
        }
        return new NetMemoryReport(entries, entries.Sum(e => e.Bytes), paramBytes, paramCount);
    }

    private void Build(List<LayerParameter> ordered, LayerRegistry registry, bool forceBackward)
    {
        var available = new HashSet<string>(StringComparer.Ordinal);
        var blobNeedBackward = new Dictionary<string, bool>(StringComparer.Ordinal);
        var paramOwners = new Dictionary<string, (Blob Blob, int Index, ParamSpec Spec, string Layer)>(StringComparer.Ordinal);

        foreach (LayerParameter original in ordered)
        {
            LayerParameter param = original.Clone();
            if (!param.HasPhase)
            {
                param.Phase = State.Phase;
            }
            Layer layer = registry.Create(param);
            layer.Backend = Backend;
            layer.Random = Random;
            int layerId = _layers.Count;
            _layers.Add(layer);
            // Caffe accepts repeated layer names (its MNIST autoencoder has two 'loss' layers in TEST); lookups by
            // name find the first.
            _layerIndex.TryAdd(param.Name, layerId);

            var bottoms = new Blob[param.Bottom.Count];
            var bottomNeed = new bool[param.Bottom.Count];
            bool needBackward = false;
            if (param.PropagateDown.Count > 0 && param.PropagateDown.Count != param.Bottom.Count)
            {
                throw new LayerException(param.Name, param.Type, $"propagate_down has {param.PropagateDown.Count} value(s) for {param.Bottom.Count} bottom(s); give one per bottom or none.");
            }
            for (int j = 0; j < bottoms.Length; j++)
            {
                string name = param.Bottom[j];
                if (!_blobIndex.TryGetValue(name, out int blobId))
                {
                    throw new NetException($"Layer '{param.Name}' ({param.Type}) reads bottom '{name}', but no layer produces it.");
                }
                bottoms[j] = _blobs[blobId];
                bool blobNeed = blobNeedBackward[name];
                needBackward |= blobNeed;
                bottomNeed[j] = param.PropagateDown.Count > 0 ? param.PropagateDown[j] : blobNeed;
                available.Remove(name);
            }

            var tops = new List<Blob>(param.Top.Count);
            for (int j = 0; j < param.Top.Count; j++)
            {
                string name = param.Top[j];
                if (j < param.Bottom.Count && param.Bottom[j] == name)
                {
                    tops.Add(bottoms[j]);
                }
                else
                {
                    if (_blobIndex.ContainsKey(name))
                    {
                        throw new NetException($"Blob '{name}' is produced by more than one layer (again by '{param.Name}').");
                    }
                    tops.Add(NewBlob(name));
                }
                available.Add(name);
            }
            if (layer.AutoTopBlobs)
            {
                int wanted = Math.Max(layer.ExactNumTopBlobs, layer.MinTopBlobs);
                for (int j = tops.Count; j < wanted; j++)
                {
                    // Anonymous tops hold a loss nobody reads by name; they still count as outputs.
                    string name = $"({param.Name}:{j})";
                    tops.Add(NewBlob(name));
                    available.Add(name);
                }
            }
            Blob[] topArray = tops.ToArray();
            _bottoms.Add(bottoms);
            _tops.Add(topArray);
            if (param.Type == "Input")
            {
                _inputs.AddRange(topArray);
            }

            layer.SetUp(bottoms, topArray);

            // Parameters: owners become learnable; a ParamSpec name seen before shares the owner's data and diff.
            var paramNeed = new bool[layer.Blobs.Count];
            for (int k = 0; k < layer.Blobs.Count; k++)
            {
                ParamSpec spec = k < param.Param.Count ? param.Param[k] : new ParamSpec();
                Blob blob = layer.Blobs[k];
                blob.Name = $"{param.Name}/{k}";
                paramNeed[k] = spec.LrMult != 0f;
                needBackward |= paramNeed[k];
                if (spec.Name.Length > 0 && paramOwners.TryGetValue(spec.Name, out var owner))
                {
                    ShareParam(param, k, spec, blob, owner);
                }
                else
                {
                    if (spec.Name.Length > 0)
                    {
                        paramOwners[spec.Name] = (blob, _learnableParams.Count, spec, param.Name);
                    }
                    _learnableParams.Add(blob);
                    _lrMults.Add(spec.LrMult);
                    _decayMults.Add(spec.DecayMult);
                    _learnableParamNames.Add(spec.Name.Length > 0 ? spec.Name : blob.Name);
                }
            }
            layer.ParamPropagateDown = paramNeed;

            if (forceBackward)
            {
                needBackward = true;
                for (int j = 0; j < bottomNeed.Length; j++)
                {
                    bottomNeed[j] |= layer.AllowForceBackward(j);
                }
                Array.Fill(paramNeed, true);
            }
            foreach (Blob top in topArray)
            {
                // An in-place top keeps a gradient need it already had.
                blobNeedBackward[top.Name] = needBackward || blobNeedBackward.GetValueOrDefault(top.Name);
            }
            _layerNeedBackward.Add(needBackward);
            _bottomNeedBackward.Add(bottomNeed);
        }

        if (!forceBackward)
        {
            PruneBackward();
        }
        foreach (Blob b in _blobs)
        {
            if (available.Contains(b.Name))
            {
                _outputs.Add(b);
            }
        }
    }

    private void ShareParam(LayerParameter param, int k, ParamSpec spec, Blob blob, (Blob Blob, int Index, ParamSpec Spec, string Layer) owner)
    {
        bool permissive = spec.ShareMode == ParamSpec.Types.DimCheckMode.Permissive;
        if (permissive ? blob.Count != owner.Blob.Count : !blob.ShapeEquals(owner.Blob))
        {
            throw new NetException(
                $"Layer '{param.Name}' shares parameter '{spec.Name}' (blob {k}) with layer '{owner.Layer}', but the shapes differ: " +
                $"{blob.ShapeString} here, {owner.Blob.ShapeString} in '{owner.Layer}'" + (permissive ? " (PERMISSIVE needs equal counts)." : " (STRICT needs equal shapes)."));
        }
        if (spec.HasLrMult)
        {
            if (owner.Spec.HasLrMult && owner.Spec.LrMult != spec.LrMult)
            {
                throw new NetException($"Layer '{param.Name}' shares parameter '{spec.Name}' with lr_mult {spec.LrMult}, but its owner '{owner.Layer}' has {owner.Spec.LrMult}.");
            }
            _lrMults[owner.Index] = spec.LrMult;
        }
        if (spec.HasDecayMult)
        {
            if (owner.Spec.HasDecayMult && owner.Spec.DecayMult != spec.DecayMult)
            {
                throw new NetException($"Layer '{param.Name}' shares parameter '{spec.Name}' with decay_mult {spec.DecayMult}, but its owner '{owner.Layer}' has {owner.Spec.DecayMult}.");
            }
            _decayMults[owner.Index] = spec.DecayMult;
        }
        if (blob.ShapeEquals(owner.Blob) || blob.Count == owner.Blob.Count)
        {
            blob.ShareData(owner.Blob);
            blob.ShareDiff(owner.Blob);
        }
    }

    private void PruneBackward()
    {
        // Walk back from the losses: a layer contributes if one of its tops is a loss or is read by a contributing layer.
        var underLoss = new HashSet<Blob>(ReferenceEqualityComparer.Instance);
        var skip = new HashSet<Blob>(ReferenceEqualityComparer.Instance);
        for (int i = _layers.Count - 1; i >= 0; i--)
        {
            Layer layer = _layers[i];
            Blob[] tops = _tops[i];
            bool contributes = false;
            bool allTopsSkipped = true;
            for (int j = 0; j < tops.Length; j++)
            {
                if (layer.LossWeight(j) != 0f || underLoss.Contains(tops[j]))
                {
                    contributes = true;
                }
                if (!skip.Contains(tops[j]))
                {
                    allTopsSkipped = false;
                }
            }
            if (_layerNeedBackward[i] && allTopsSkipped && tops.Length > 0)
            {
                _layerNeedBackward[i] = false;
                Array.Fill(_bottomNeedBackward[i], false);
            }
            if (!contributes)
            {
                _layerNeedBackward[i] = false;
            }
            Blob[] bottoms = _bottoms[i];
            for (int j = 0; j < bottoms.Length; j++)
            {
                if (contributes)
                {
                    underLoss.Add(bottoms[j]);
                }
                else
                {
                    _bottomNeedBackward[i][j] = false;
                }
                if (!_bottomNeedBackward[i][j])
                {
                    skip.Add(bottoms[j]);
                }
            }
        }
    }

    private Blob NewBlob(string name)
    {
        var blob = new Blob(name, Backend);
        _blobIndex[name] = _blobs.Count;
        _blobs.Add(blob);
        return blob;
    }

    private static NetState MakeState(NetParameter definition, NetOptions options)
    {
        NetState state = definition.State?.Clone() ?? new NetState();
        if (options.Phase is Phase p)
        {
            state.Phase = p;
        }
        if (options.Level is int level)
        {
            state.Level = level;
        }
        if (options.Stages is not null)
        {
            state.Stage.Clear();
            state.Stage.AddRange(options.Stages);
        }
        return state;
    }

    private void CheckRange(int start, int end)
    {
        if (start < 0 || end >= _layers.Count || start > end + 1)
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"Layer range [{start}, {end}] is outside [0, {_layers.Count - 1}].");
        }
    }

    private static string Hint(string name, IEnumerable<string> known)
    {
        string[] close = Suggestions.Closest(name, known, 3);
        return close.Length > 0 ? $" Closest: {string.Join(", ", close.Select(c => $"'{c}'"))}." : "";
    }

    /// <summary>Releases every blob and layer.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        foreach (Layer l in _layers)
        {
            l.Dispose();
        }
        foreach (Blob b in _blobs)
        {
            b.Dispose();
        }
    }
}
