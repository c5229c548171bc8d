using Engine.Backends.OpenCL;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Exposes im2col as a layer: reads kernel/stride/pad/dilation from <c>convolution_param</c> and turns each image
/// (C × spatial) into (C·Πk) channels over the convolution's output positions. Backward is col2im.
/// </summary>
[Layer("Im2col", Summary = "Unfolds image patches into channels (the column matrix of a convolution).")]
public sealed class Im2colLayer : Layer
{
    private ConvolutionGeometry _geometry = null!;
    private int[] _bottomSpatial = [];
    private int[] _topSpatial = [];
    private int _channels;
    private int _num;
    private int _bottomDim;
    private int _topDim;

    private Func<string, Exception>? _errorFactory;
    private DeviceImageColumns? _device;

    /// <summary>Creates the layer.</summary>
    public Im2colLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    public override int ExactNumBottomBlobs => 1;

    /// <inheritdoc />
    public override int ExactNumTopBlobs => 1;

    /// <inheritdoc />
    public override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        _geometry = ConvolutionGeometry.Parse(Param.ConvolutionParam ?? new ConvolutionParameter(), bottom[0], Error);
        _bottomSpatial = new int[_geometry.NumSpatialAxes];
        _topSpatial = new int[_geometry.NumSpatialAxes];
    }

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        Blob b = bottom[0];
        int axis = _geometry.ChannelAxis;
        if (b.NumAxes != axis + 1 + _geometry.NumSpatialAxes)
        {
            throw Error($"bottom '{b.Name}' has shape {b.ShapeString}; the layer was set up for {axis + 1 + _geometry.NumSpatialAxes} axes.");
        }
        for (int i = 0; i < _bottomSpatial.Length; i++)
        {
            _bottomSpatial[i] = b.ShapeAt(axis + 1 + i);
        }
        _geometry.ConvolutionOutput(_bottomSpatial, _topSpatial, b, ErrorFactory);
        _channels = b.ShapeAt(axis);
        Span<int> shape = stackalloc int[b.NumAxes];
        b.Shape[..axis].CopyTo(shape);
        shape[axis] = _channels * _geometry.KernelCount;
        _topSpatial.CopyTo(shape[(axis + 1)..]);
        top[0].Reshape(shape);
        _num = b.CountRange(0, axis);
        _bottomDim = b.CountFrom(axis);
        _topDim = top[0].CountFrom(axis);
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        ReadOnlySpan<float> x = bottom[0].Data;
        Span<float> y = top[0].MutableData;
        for (int n = 0; n < _num; n++)
        {
            _geometry.Im2Col(Ops, x.Slice(n * _bottomDim, _bottomDim), _channels, _bottomSpatial, _topSpatial, y.Slice(n * _topDim, _topDim));
        }
    }

    /// <inheritdoc />
    protected override void BackwardCpu(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (!propagateDown[0])
        {
            return;
        }
        ReadOnlySpan<float> dy = top[0].Diff;
        Span<float> dx = bottom[0].MutableDiff;
        for (int n = 0; n < _num; n++)
        {
            _geometry.Col2Im(Ops, dy.Slice(n * _topDim, _topDim), _channels, _bottomSpatial, _topSpatial, dx.Slice(n * _bottomDim, _bottomDim));
        }
    }

    /// <inheritdoc />
    protected override void ForwardDevice(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (Backend is not OpenCLBackend cl || !DeviceImageColumns.Supports(_geometry))
        {
            ForwardCpu(bottom, top); // more than three spatial axes: no device kernels.
            return;
        }
        _device ??= new DeviceImageColumns(cl);
        Engine.Memory.IDeviceMemory x = bottom[0].DeviceData(), y = top[0].MutableDeviceData();
        for (int n = 0; n < _num; n++)
        {
            _device.Im2Col(_geometry, _channels, _bottomSpatial, _topSpatial, x, n * _bottomDim, y, n * _topDim);
        }
    }

    /// <inheritdoc />
    protected override void BackwardDevice(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (Backend is not OpenCLBackend cl || !DeviceImageColumns.Supports(_geometry))
        {
            BackwardCpu(top, propagateDown, bottom);
            return;
        }
        if (!propagateDown[0])
        {
            return;
        }
        _device ??= new DeviceImageColumns(cl);
        Engine.Memory.IDeviceMemory dy = top[0].DeviceDiff(), dx = bottom[0].MutableDeviceDiff();
        for (int n = 0; n < _num; n++)
        {
            _device.Col2Im(_geometry, _channels, _bottomSpatial, _topSpatial, dy, n * _topDim, dx, n * _bottomDim);
        }
    }

    /// <summary>Cached so that reshaping on every forward does not allocate a delegate.</summary>
    private Func<string, Exception> ErrorFactory => _errorFactory ??= Error;
}
