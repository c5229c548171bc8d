using Engine.Backends.OpenCL;
using Engine.Memory;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Crops bottom[0] to the shape of bottom[1] on every axis from <c>axis</c> (default 2) on, starting at the given
/// offsets (none: 0; one: all cropped axes; else one per cropped axis). Axes before <c>axis</c> keep bottom[0]'s size.
/// The gradient goes back into the cropped window of bottom[0] (zero elsewhere); the reference gets none (zero).
/// </summary>
[Layer("Crop", Summary = "Crops bottom[0] to the shape of bottom[1] from `axis` on, at the given offsets.")]
public sealed class CropLayer : Layer
{
    private int[] _offsets = [];
    private int[] _topShape = [];
    private OpenCLKernel? _copy;

    /// <summary>Most axes the device kernel handles; more stay on the host.</summary>
    private const int DeviceAxes = 6;

    /// <summary>Creates the layer.</summary>
    public CropLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    public override int ExactNumBottomBlobs => 2;

    /// <inheritdoc />
    public override int ExactNumTopBlobs => 1;

    /// <inheritdoc />
    public override bool AllowForceBackward(int bottomIndex) => bottomIndex == 0;

    /// <inheritdoc />
    public override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        CropParameter p = Param.CropParam ?? new CropParameter();
        if (bottom[0].NumAxes != bottom[1].NumAxes)
        {
            throw Error($"bottoms must have the same number of axes: '{bottom[0].Name}' is {bottom[0].ShapeString}, reference '{bottom[1].Name}' is {bottom[1].ShapeString}.");
        }
        int axis = CanonicalAxis(bottom[0], p.Axis);
        int cropped = bottom[0].NumAxes - axis;
        if (p.Offset.Count > 1 && p.Offset.Count != cropped)
        {
            throw Error($"crop_param gives {p.Offset.Count} offsets; give none, one, or one per cropped axis ({cropped}, axes {axis}..{bottom[0].NumAxes - 1}).");
        }
        _offsets = new int[bottom[0].NumAxes];
        for (int i = axis; i < _offsets.Length; i++)
        {
            _offsets[i] = p.Offset.Count == 0 ? 0 : (int)p.Offset[p.Offset.Count == 1 ? 0 : i - axis];
        }
        _topShape = new int[bottom[0].NumAxes];
    }

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        Blob src = bottom[0], reference = bottom[1];
        if (src.NumAxes != _topShape.Length || reference.NumAxes != _topShape.Length)
        {
            throw Error($"bottoms must keep {_topShape.Length} axes: '{src.Name}' is {src.ShapeString}, reference '{reference.Name}' is {reference.ShapeString}.");
        }
        int axis = CanonicalAxis(src, Param.CropParam?.Axis ?? 2);
        for (int i = 0; i < _topShape.Length; i++)
        {
            if (i < axis)
            {
                _topShape[i] = src.ShapeAt(i);
                continue;
            }
            _topShape[i] = reference.ShapeAt(i);
            if (src.ShapeAt(i) - _offsets[i] < reference.ShapeAt(i))
            {
                throw Error($"cannot crop axis {i}: bottom '{src.Name}' of shape {src.ShapeString} minus offset {_offsets[i]} is smaller than reference '{reference.Name}' of shape {reference.ShapeString}.");
            }
        }
        top[0].Reshape(_topShape);
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
        => Copy(bottom[0].Data, bottom[0].Shape, top[0].MutableData, toTop: true, default);

    /// <inheritdoc />
    protected override void BackwardCpu(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (propagateDown.Length > 1 && propagateDown[1])
        {
            bottom[1].MutableDiff.Clear();
        }
        if (!propagateDown[0])
        {
            return;
        }
        Span<float> dx = bottom[0].MutableDiff;
        dx.Clear();
        Copy(top[0].Diff, bottom[0].Shape, default, toTop: false, dx);
    }

    /// <inheritdoc />
    protected override void ForwardDevice(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (Backend is not OpenCLBackend cl || _topShape.Length > DeviceAxes)
        {
            ForwardCpu(bottom, top);
            return;
        }
        Launch(cl, bottom[0], bottom[0].DeviceData(), top[0].MutableDeviceData(), top[0].Count, toTop: true);
    }

    /// <inheritdoc />
    protected override void BackwardDevice(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (Backend is not OpenCLBackend cl || _topShape.Length > DeviceAxes)
        {
            BackwardCpu(top, propagateDown, bottom);
            return;
        }
        if (propagateDown.Length > 1 && propagateDown[1])
        {
            cl.DeviceMath.Set(bottom[1].Count, 0f, bottom[1].MutableDeviceDiff(), 0);
        }
        if (!propagateDown[0])
        {
            return;
        }
        IDeviceMemory dx = bottom[0].MutableDeviceDiff();
        cl.DeviceMath.Set(bottom[0].Count, 0f, dx, 0);
        Launch(cl, bottom[0], dx, top[0].DeviceDiff(), top[0].Count, toTop: false);
    }

    private void Launch(OpenCLBackend cl, Blob big, IDeviceMemory bigMemory, IDeviceMemory small, int count, bool toTop)
    {
        _copy ??= cl.Kernel(typeof(CropLayer).Assembly, "CropLayer.cl", "crop_copy");
        int lead = DeviceAxes - _topShape.Length;
        for (uint a = 0; a < DeviceAxes; a++)
        {
            int i = (int)a - lead;
            _copy.Arg(1 + a, i >= 0 ? _topShape[i] : 1).Arg(7 + a, i >= 0 ? big.ShapeAt(i) : 1).Arg(13 + a, i >= 0 ? _offsets[i] : 0);
        }
        _copy.Arg(0, count).Arg(19, bigMemory).Arg(20, small).Arg(21, toTop ? 1 : 0).Launch(count);
    }

    /// <summary>
    /// Walks every innermost row of the top; toTop copies the cropped window of <paramref name="big"/> into
    /// <paramref name="small"/>, otherwise copies <paramref name="big"/> (the top diff) into the window of <paramref name="window"/>.
    /// </summary>
    private void Copy(ReadOnlySpan<float> big, ReadOnlySpan<int> bottomShape, Span<float> small, bool toTop, Span<float> window)
    {
        int axes = _topShape.Length;
        if (axes == 0)
        {
            if (toTop)
            {
                small[0] = big[0];
            }
            else
            {
                window[0] = big[0];
            }
            return;
        }
        int last = axes - 1;
        int rowLength = _topShape[last];
        int rows = 1;
        for (int a = 0; a < last; a++)
        {
            rows *= _topShape[a];
        }
        Span<int> index = stackalloc int[axes];
        index.Clear();
        for (int r = 0; r < rows; r++)
        {
            int bottomOffset = 0;
            for (int a = 0; a < last; a++)
            {
                bottomOffset = bottomOffset * bottomShape[a] + index[a] + _offsets[a];
            }
            bottomOffset = bottomOffset * bottomShape[last] + _offsets[last];
            int topOffset = r * rowLength;
            if (toTop)
            {
                big.Slice(bottomOffset, rowLength).CopyTo(small.Slice(topOffset, rowLength));
            }
            else
            {
                big.Slice(topOffset, rowLength).CopyTo(window.Slice(bottomOffset, rowLength));
            }
            for (int a = last - 1; a >= 0; a--)
            {
                if (++index[a] < _topShape[a])
                {
                    break;
                }
                index[a] = 0;
            }
        }
    }
}
