using Engine.Memory;
using Engine.Backends.OpenCL;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Top-k classification accuracy over <c>axis</c> (default 1): a prediction is correct when fewer than <c>top_k</c>
/// other classes score at least as high as the true class (so ties count against it). Labels equal to
/// <c>ignore_label</c> are skipped. Top 0 is a scalar; optional top 1 holds the accuracy of each class.
/// Not a loss, and no gradient.
/// </summary>
[Layer("Accuracy", Summary = "Top-k accuracy (ties count as wrong); optional per-class accuracy top.")]
public sealed class AccuracyLayer : Layer
{
    private int _topK;
    private int _axis;
    private int _outer;
    private int _inner;
    private bool _hasIgnore;
    private int _ignoreLabel;
    private int[] _perClassCount = [];
    private int[] _perClassCorrect = [];
    private Blob? _deviceScratch;
    private OpenCLKernel? _positionsKernel;
    private OpenCLKernel? _totalKernel;
    private OpenCLKernel? _perClassKernel;

    /// <summary>Creates the layer.</summary>
    public AccuracyLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    public override int ExactNumBottomBlobs => 2;

    /// <inheritdoc />
    public override int MinTopBlobs => 1;

    /// <inheritdoc />
    public override int MaxTopBlobs => 2;

    /// <inheritdoc />
    public override bool AllowForceBackward(int bottomIndex) => false;

    /// <inheritdoc />
    public override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        AccuracyParameter p = Param.AccuracyParam ?? new AccuracyParameter();
        if (p.TopK < 1)
        {
            throw Error("accuracy_param.top_k must be at least 1.");
        }
        _topK = (int)p.TopK;
        _hasIgnore = p.HasIgnoreLabel;
        _ignoreLabel = p.IgnoreLabel;
    }

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        Blob x = bottom[0], label = bottom[1];
        _axis = CanonicalAxis(x, Param.AccuracyParam?.Axis ?? 1);
        int classes = x.ShapeAt(_axis);
        if (_topK > classes)
        {
            throw Error($"top_k {_topK} exceeds the {classes} classes on axis {_axis} of bottom '{x.Name}' (shape {x.ShapeString}).");
        }
        _outer = x.CountRange(0, _axis);
        _inner = x.CountFrom(_axis + 1);
        if (label.Count != _outer * _inner)
        {
            throw Error($"label bottom '{label.Name}' of shape {label.ShapeString} needs {_outer * _inner} values for predictions '{x.Name}' of shape {x.ShapeString} (one per position outside axis {_axis}).");
        }
        top[0].Reshape(ReadOnlySpan<int>.Empty);
        if (top.Count > 1)
        {
            Span<int> shape = [classes];
            top[1].Reshape(shape);
        }
        if (_perClassCount.Length != classes)
        {
            _perClassCount = new int[classes];
            _perClassCorrect = new int[classes];
        }
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ReadOnlySpan<float> x = bottom[0].Data;
        ReadOnlySpan<float> labels = bottom[1].Data;
        int classes = _perClassCount.Length;
        Array.Clear(_perClassCount);
        Array.Clear(_perClassCorrect);
        int counted = 0, correct = 0;
        for (int o = 0; o < _outer; o++)
        {
            for (int j = 0; j < _inner; j++)
            {
                int label = (int)labels[o * _inner + j];
                if (_hasIgnore && label == _ignoreLabel)
                {
                    continue;
                }
                if (label < 0 || label >= classes)
                {
                    throw Error($"label {labels[o * _inner + j]} at position {o * _inner + j} of '{bottom[1].Name}' is outside [0, {classes}).");
                }
                counted++;
                _perClassCount[label]++;
                int baseIndex = o * classes * _inner + j;
                float truth = x[baseIndex + label * _inner];
                int better = 0;
                for (int c = 0; c < classes && better < _topK; c++)
                {
                    if (c != label && x[baseIndex + c * _inner] >= truth)
                    {
                        better++;
                    }
                }
                if (better < _topK)
                {
                    correct++;
                    _perClassCorrect[label]++;
                }
            }
        }
        top[0].MutableData[0] = counted == 0 ? 0f : (float)correct / counted;
        if (top.Count > 1)
        {
            Span<float> perClass = top[1].MutableData;
            for (int c = 0; c < classes; c++)
            {
                perClass[c] = _perClassCount[c] == 0 ? 0f : (float)_perClassCorrect[c] / _perClassCount[c];
            }
        }
    }

    /// <inheritdoc />
    protected override void ForwardDevice(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (Backend is not OpenCLBackend cl)
        {
            ForwardCpu(bottom, top);
            return;
        }
        System.Reflection.Assembly assembly = typeof(AccuracyLayer).Assembly;
        _positionsKernel ??= cl.Kernel(assembly, "AccuracyLayer.cl", "accuracy_positions");
        _totalKernel ??= cl.Kernel(assembly, "AccuracyLayer.cl", "accuracy_total");
        _deviceScratch ??= new Blob("accuracy scratch", cl);
        int positions = _outer * _inner;
        int classes = bottom[0].ShapeAt(_axis);
        Span<int> shape = stackalloc int[1];
        shape[0] = 2 * positions;
        _deviceScratch.Reshape(shape);
        IDeviceMemory scratch = _deviceScratch.MutableDeviceData(), labels = bottom[1].DeviceData();
        _positionsKernel.Arg(0, _outer).Arg(1, classes).Arg(2, _inner).Arg(3, _topK).Arg(4, _hasIgnore ? 1 : 0).Arg(5, _ignoreLabel)
            .Arg(6, bottom[0].DeviceData()).Arg(7, labels).Arg(8, scratch).Launch(positions);
        _totalKernel.Arg(0, positions).Arg(1, scratch).Arg(2, top[0].MutableDeviceData()).Launch(64, 64);
        if (top.Count > 1)
        {
            _perClassKernel ??= cl.Kernel(assembly, "AccuracyLayer.cl", "accuracy_per_class");
            _perClassKernel.Arg(0, positions).Arg(1, classes).Arg(2, labels).Arg(3, scratch).Arg(4, top[1].MutableDeviceData()).Launch(classes);
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _deviceScratch?.Dispose();
        base.Dispose();
    }
}
