using Engine.Memory;
using Engine.Backends.OpenCL;
using Engine.Proto;

namespace Engine.Layers;

/// <summary>
/// Exposes a learnable blob of shape <c>parameter_param.shape</c> (initialised to 0) as its top, so other layers can
/// read a parameter as an ordinary bottom. The top shares the blob's data; its diff is accumulated into the blob's.
/// </summary>
[Layer("Parameter", Summary = "Publishes a learnable blob (parameter_param.shape) as a top.")]
public sealed class ParameterLayer : Layer
{
    /// <summary>Creates the layer.</summary>
    public ParameterLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    public override int ExactNumBottomBlobs => 0;

    /// <inheritdoc />
    public override int ExactNumTopBlobs => 1;

    /// <inheritdoc />
    public override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        if (Blobs.Count > 0)
        {
            return;
        }
        BlobShape? s = Param.ParameterParam?.Shape;
        if (s is null)
        {
            throw Error("parameter_param.shape is required.");
        }
        var dims = new int[s.Dim.Count];
        for (int i = 0; i < dims.Length; i++)
        {
            if (s.Dim[i] < 0 || s.Dim[i] > int.MaxValue)
            {
                throw Error($"parameter_param.shape [{string.Join(" ", s.Dim)}] has an invalid dimension at position {i}.");
            }
            dims[i] = (int)s.Dim[i];
        }
        Blobs.Add(new Blob(dims, Name + "/param", Backend));
    }

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        top[0].ReshapeLike(Blobs[0]);
        top[0].ShareData(Blobs[0]);
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        // Data is shared; nothing to compute.
    }

    /// <inheritdoc />
    protected override void BackwardCpu(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (ParamPropagateDown.Length > 0 && ParamPropagateDown[0])
        {
            Ops.Axpy(1f, top[0].Diff, Blobs[0].MutableDiff);
        }
    }

    /// <inheritdoc />
    protected override void ForwardDevice(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        // Data is shared; nothing to compute, and nothing to move between host and device.
    }

    /// <inheritdoc />
    protected override void BackwardDevice(IReadOnlyList<Blob> top, ReadOnlySpan<bool> propagateDown, IReadOnlyList<Blob> bottom)
    {
        if (Backend is not OpenCLBackend cl)
        {
            BackwardCpu(top, propagateDown, bottom);
            return;
        }
        if (ParamPropagateDown.Length > 0 && ParamPropagateDown[0])
        {
            cl.DeviceMath.Axpy(Blobs[0].Count, 1f, top[0].DeviceDiff(), 0, Blobs[0].MutableDeviceDiff(), 0);
        }
    }
}
