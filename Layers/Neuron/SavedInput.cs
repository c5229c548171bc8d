using Engine.Backends.OpenCL;
using Engine.Memory;

namespace Engine.Layers;

/// <summary>
/// Keeps a copy of a neuron layer's input when the layer runs in place (top = bottom), because the forward pass
/// overwrites the values its backward pass needs. Out of place it copies nothing and reads the bottom directly.
/// The device variants keep the copy in a device blob, so an in-place layer on OpenCL never visits the host.
/// </summary>
internal sealed class SavedInput : IDisposable
{
    private readonly Blob _copy = new("saved input");
    private Blob? _deviceCopy;

    /// <summary>Copies the bottom's values if the layer runs in place; call before writing the top.</summary>
    public void Save(Blob bottom, Blob top)
    {
        if (ReferenceEquals(bottom, top))
        {
            _copy.ReshapeLike(bottom);
            bottom.Data.CopyTo(_copy.MutableData);
        }
    }

    /// <summary>The input values the last forward pass saw.</summary>
    public ReadOnlySpan<float> Input(Blob bottom, Blob top) => ReferenceEquals(bottom, top) ? _copy.Data : bottom.Data;

    /// <summary>Device twin of <see cref="Save"/>: copies on the device if in place, and returns the input buffer to read.</summary>
    public IDeviceMemory SaveDevice(OpenCLBackend cl, Blob bottom, Blob top)
    {
        if (!ReferenceEquals(bottom, top))
        {
            return bottom.DeviceData();
        }
        _deviceCopy ??= new Blob("saved input", cl);
        _deviceCopy.ReshapeLike(bottom);
        IDeviceMemory copy = _deviceCopy.MutableDeviceData();
        cl.DeviceMath.Copy(bottom.Count, bottom.DeviceData(), 0, copy, 0);
        return copy;
    }

    /// <summary>Device twin of <see cref="Input"/>.</summary>
    public IDeviceMemory InputDevice(Blob bottom, Blob top)
        => ReferenceEquals(bottom, top) && _deviceCopy is not null ? _deviceCopy.DeviceData() : bottom.DeviceData();

    public void Dispose()
    {
        _copy.Dispose();
        _deviceCopy?.Dispose();
    }
}
