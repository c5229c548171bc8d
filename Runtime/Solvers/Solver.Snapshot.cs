using Engine.Data;
using Engine.Formats;
using Engine.Proto;
using Microsoft.Extensions.Logging;

namespace Engine.Solvers;

public abstract partial class Solver
{
    /// <summary>
    /// Writes <c>&lt;snapshot_prefix&gt;_iter_N.caffemodel</c> and <c>.solverstate</c> (each atomically: a failed write
    /// leaves any earlier file intact and no temporary file behind). The state holds iter, current_step, the history
    /// blobs and, as Engine extensions, every net's random-generator state and every seekable data layer's position.
    /// </summary>
    /// <returns>The path of the <c>.solverstate</c>.</returns>
    /// <exception cref="SolverException">snapshot_prefix is not set.</exception>
    public string Snapshot()
    {
        if (Param.SnapshotPrefix.Length == 0)
        {
            throw new SolverException("cannot snapshot: snapshot_prefix is not set in the solver.");
        }
        string prefix = SnapshotPrefix;
        string? directory = Path.GetDirectoryName(Path.GetFullPath(prefix));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }
        string model = $"{prefix}_iter_{Iter}.caffemodel";
        string state = $"{prefix}_iter_{Iter}.solverstate";
        Logger.LogInformation("Snapshotting to binary proto file {Model}", model);
        WeightsFile.WriteNet(model, Net.ToProto(Param.SnapshotDiff));
        Logger.LogInformation("Snapshotting solver state to binary proto file {State}", state);
        WeightsFile.WriteSolverState(state, CaptureState(model));
        OnSnapshotWritten(new SnapshotWrittenEventArgs(Iter, model, state));
        return state;
    }

    private bool _staleTemporariesRemoved;

    /// <summary>
    /// Deletes the temporary files (<c>&lt;prefix&gt;_iter_N.caffemodel.tmp-xxxxxxxxxxxx</c>, same for
    /// <c>.solverstate</c>) that an earlier run killed in the middle of a snapshot left behind. They are never read as
    /// snapshots (only exact <c>.caffemodel</c>/<c>.solverstate</c> names are), so this only reclaims disk space. Runs
    /// once per solver, before its first iteration; a second solver writing to the same prefix at the same moment is
    /// not supported anyway (their snapshots would overwrite each other).
    /// </summary>
    /// <returns>How many files were removed.</returns>
    internal int RemoveStaleSnapshotTemporaries()
    {
        _staleTemporariesRemoved = true;
        if (Param.SnapshotPrefix.Length == 0)
        {
            return 0;
        }
        string prefix = Path.GetFullPath(SnapshotPrefix);
        string? directory = Path.GetDirectoryName(prefix);
        if (directory is null || !Directory.Exists(directory))
        {
            return 0;
        }
        int removed = 0;
        string stem = Path.GetFileName(prefix) + "_iter_";
        foreach (string file in Directory.EnumerateFiles(directory, stem + "*.tmp-*"))
        {
            if (IsSnapshotTemporary(Path.GetFileName(file), stem))
            {
                try
                {
                    File.Delete(file);
                    removed++;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    Logger.LogWarning("Could not remove the stale snapshot temporary {File}: {Reason}", file, e.Message);
                }
            }
        }
        if (removed > 0)
        {
            Logger.LogInformation("Removed {Count} temporary file(s) left by an interrupted snapshot in {Directory}", removed, directory);
        }
        return removed;
    }

    private static bool IsSnapshotTemporary(string name, string stem)
    {
        // Exactly AtomicFile's pattern: <stem><digits>.<caffemodel|solverstate>.tmp-<12 lowercase hex digits>.
        int tmp = name.LastIndexOf(".tmp-", StringComparison.Ordinal);
        if (!name.StartsWith(stem, StringComparison.Ordinal) || tmp < 0 || name.Length - tmp - 5 != 12
            || name.AsSpan(tmp + 5).ContainsAnyExcept("0123456789abcdef"))
        {
            return false;
        }
        string target = name[..tmp];
        string extension = Path.GetExtension(target);
        if (extension is not (".caffemodel" or ".solverstate") || target.Length <= stem.Length + extension.Length)
        {
            return false;
        }
        ReadOnlySpan<char> iteration = target.AsSpan(stem.Length, target.Length - stem.Length - extension.Length);
        return iteration.Length > 0 && !iteration.ContainsAnyExceptInRange('0', '9');
    }

    /// <summary>The snapshot prefix with a relative one resolved against the solver's directory.</summary>
    public string SnapshotPrefix
    {
        get
        {
            string prefix = Param.SnapshotPrefix;
            return Path.IsPathRooted(prefix) || Context.BaseDirectory is null ? prefix : Path.Combine(Context.BaseDirectory, prefix);
        }
    }

    /// <summary>The solver's resumable state as a <see cref="SolverState"/> (what <see cref="Snapshot"/> writes).</summary>
    public SolverState CaptureState(string learnedNet = "")
    {
        var state = new SolverState { Iter = Iter, CurrentStep = CurrentStep, LearnedNet = learnedNet };
        foreach (Blob h in _history)
        {
            state.History.Add(BlobProtoExtensions.Create(Array.ConvertAll(h.ShapeArray, d => (long)d), h.Data));
        }
        IReadOnlyList<Net> nets = AllNets();
        for (int n = 0; n < nets.Count; n++)
        {
            state.RandomState.AddRange(nets[n].Random.GetState());
            foreach (Layer layer in nets[n].Layers)
            {
                if (layer is ISeekableData data)
                {
                    state.DataPosition.Add(new DataLayerPosition { Net = n, Layer = layer.Name, Position = data.Position, StreamSeed = data.StreamSeed });
                }
            }
        }
        return state;
    }

    /// <summary>
    /// Resumes from a <c>.solverstate</c>: iteration, schedule position, history, the weights in learned_net, and the
    /// Engine extensions (random states, data positions) when present.
    /// </summary>
    /// <exception cref="SolverException">The state does not fit this solver (history count or shapes).</exception>
    public void Restore(string solverStatePath)
    {
        if (!File.Exists(solverStatePath))
        {
            throw new SolverException($"solver state '{solverStatePath}' not found.");
        }
        SolverState state = WeightsFile.ReadSolverState(solverStatePath);
        if (state.LearnedNet.Length > 0)
        {
            string model = state.LearnedNet;
            if (!File.Exists(model))
            {
                // Caffe stores the path as written at snapshot time; a moved snapshot is found next to its state.
                string beside = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(solverStatePath)) ?? ".", Path.GetFileName(model));
                model = File.Exists(beside) ? beside : throw new SolverException($"{solverStatePath}: learned_net '{state.LearnedNet}' not found (also looked at '{beside}').");
            }
            Net.CopyTrainedLayersFrom(WeightsFile.ReadNet(model));
        }
        RestoreState(state, solverStatePath);
    }

    /// <summary>Applies a <see cref="SolverState"/> (without loading learned_net).</summary>
    /// <exception cref="SolverException">History blob count or shapes differ from this solver's.</exception>
    public void RestoreState(SolverState state, string source = "solver state")
    {
        if (state.History.Count != _history.Count)
        {
            throw new SolverException($"{source}: holds {state.History.Count} history blob(s), but a {Type} solver over this net has {_history.Count}.");
        }
        for (int i = 0; i < _history.Count; i++)
        {
            long count = state.History[i].StoredDataCount();
            if (count != _history[i].Count)
            {
                throw new SolverException($"{source}: history blob {i} holds {count} values, the solver's '{_history[i].Name}' has {_history[i].Count} ({_history[i].ShapeString}).");
            }
        }
        for (int i = 0; i < _history.Count; i++)
        {
            state.History[i].CopyDataTo(_history[i].MutableData);
        }
        Iter = state.Iter;
        CurrentStep = state.CurrentStep;
        IReadOnlyList<Net> nets = AllNets();
        if (state.RandomState.Count == 5 * nets.Count)
        {
            ulong[] words = state.RandomState.ToArray();
            for (int n = 0; n < nets.Count; n++)
            {
                nets[n].Random.SetState(words.AsSpan(5 * n, 5));
            }
        }
        else if (state.RandomState.Count > 0)
        {
            Logger.LogWarning("{Source}: random states for {Count} net(s) do not match the {Nets} net(s) here; random streams start afresh.", source, state.RandomState.Count / 5, nets.Count);
        }
        foreach (DataLayerPosition position in state.DataPosition)
        {
            if (position.Net < nets.Count && nets[position.Net].HasLayer(position.Layer) && nets[position.Net].GetLayer(position.Layer) is ISeekableData data)
            {
                if (position.HasStreamSeed)
                {
                    data.StreamSeed = position.StreamSeed;
                }
                data.Seek(position.Position);
            }
            else
            {
                Logger.LogWarning("{Source}: no seekable data layer '{Layer}' in net {Net}; its position is ignored.", source, position.Layer, position.Net);
            }
        }
    }

    private List<Net> AllNets()
    {
        var nets = new List<Net>(1 + _testNets.Count) { Net };
        nets.AddRange(_testNets);
        return nets;
    }
}
