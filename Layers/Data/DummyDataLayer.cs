using Engine.Fillers;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Produces tops of fixed shapes filled by fillers: shapes from <c>shape</c> (one for all tops or one per top) or the
/// legacy <c>num/channels/height/width</c> lists; fillers: none (constant 0), one for all, or one per top. Constant
/// tops are filled once; the others are drawn again (from the net's generator) at every forward.
/// </summary>
[Layer("DummyData", Summary = "Tops of given shapes filled by fillers (refilled each forward unless constant).")]
public sealed class DummyDataLayer : Layer
{
    private FillerParameter[] _fillers = [];
    private bool[] _refill = [];

    /// <summary>Creates the layer.</summary>
    public DummyDataLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    public override int ExactNumBottomBlobs => 0;

    /// <inheritdoc />
    public override int MinTopBlobs => 1;

    /// <inheritdoc />
    public override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        DummyDataParameter p = Param.DummyDataParam ?? new DummyDataParameter();
        int n = top.Count;
        bool legacy = p.Num.Count > 0 || p.Channels.Count > 0 || p.Height.Count > 0 || p.Width.Count > 0;
        if (legacy && p.Shape.Count > 0)
        {
            throw Error("give either shape or the legacy num/channels/height/width, not both.");
        }
        if (!legacy && p.Shape.Count != 1 && p.Shape.Count != n)
        {
            throw Error($"has {p.Shape.Count} shape(s) for {n} top(s); give one for all or one per top.");
        }
        if (legacy)
        {
            CheckLegacyCount("num", p.Num.Count, n);
            CheckLegacyCount("channels", p.Channels.Count, n);
            CheckLegacyCount("height", p.Height.Count, n);
            CheckLegacyCount("width", p.Width.Count, n);
        }
        if (p.DataFiller.Count > 1 && p.DataFiller.Count != n)
        {
            throw Error($"has {p.DataFiller.Count} data_filler(s) for {n} top(s); give none, one for all, or one per top.");
        }
        _fillers = new FillerParameter[n];
        _refill = new bool[n];
        for (int i = 0; i < n; i++)
        {
            int[] shape;
            if (legacy)
            {
                shape = [Pick(p.Num, i), Pick(p.Channels, i), Pick(p.Height, i), Pick(p.Width, i)];
            }
            else
            {
                BlobShape s = p.Shape[p.Shape.Count == 1 ? 0 : i];
                shape = new int[s.Dim.Count];
                for (int d = 0; d < shape.Length; d++)
                {
                    if (s.Dim[d] < 0 || s.Dim[d] > int.MaxValue)
                    {
                        throw Error($"shape [{string.Join(" ", s.Dim)}] for top '{top[i].Name}' has an invalid dimension.");
                    }
                    shape[d] = (int)s.Dim[d];
                }
            }
            top[i].Reshape(shape);
            _fillers[i] = p.DataFiller.Count == 0 ? Filler.Constant(0f) : p.DataFiller[p.DataFiller.Count == 1 ? 0 : i];
            _refill[i] = _fillers[i].Type != "constant";
            Filler.Fill(top[i], _fillers[i], Random);
        }
    }

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        for (int i = 0; i < top.Count; i++)
        {
            if (_refill[i])
            {
                Filler.Fill(top[i], _fillers[i], Random);
            }
        }
    }

    private void CheckLegacyCount(string field, int count, int tops)
    {
        if (count != 1 && count != tops)
        {
            throw Error($"has {count} {field} value(s) for {tops} top(s); give one for all or one per top.");
        }
    }

    private static int Pick(Google.Protobuf.Collections.RepeatedField<uint> values, int i) => (int)values[values.Count == 1 ? 0 : i];
}
