using System.Diagnostics;
using Engine.Backends.OpenCL;
using Engine.Memory;

namespace Engine;

/// <summary>
/// A forward pass run in slices so that a large net never stalls a frame: each <see cref="RunFor"/> runs whole layers
/// until the time budget is spent, and the next call resumes where it stopped. One job per net, reused (no allocation).
/// </summary>
public sealed unsafe class ForwardJob
{
    private readonly Net _net;
    private int _next;
    private float _loss;
    private float[] _staging = [];
    private nint _readEvent;
    private Blob? _reading;

    internal ForwardJob(Net net)
    {
        _net = net;
        _next = net.Layers.Count;
    }

    /// <summary>True when every layer has run.</summary>
    public bool IsDone => _next >= _net.Layers.Count;

    /// <summary>Index of the next layer to run.</summary>
    public int NextLayer => _next;

    /// <summary>The weighted loss of the layers run so far.</summary>
    public float Loss => _loss;

    internal void Restart()
    {
        CancelRead();
        _next = 0;
        _loss = 0f;
    }

    /// <summary>
    /// Runs layers until the budget is spent (at least one layer per call, so the job always progresses).
    /// Returns <see cref="IsDone"/>.
    /// </summary>
    public bool RunFor(TimeSpan budget)
    {
        long start = Stopwatch.GetTimestamp();
        long limit = (long)(budget.TotalSeconds * Stopwatch.Frequency);
        do
        {
            if (IsDone)
            {
                break;
            }
            _loss += _net.ForwardFromTo(_next, _next);
            _next++;
        }
        while (Stopwatch.GetTimestamp() - start < limit);
        if (_net.Backend is OpenCLBackend cl)
        {
            cl.Flush(); // let the device work on this slice while the frame goes on
        }
        return IsDone;
    }

    /// <summary>
    /// Once the pass is done, copies <paramref name="output"/>'s data into <paramref name="destination"/> without
    /// blocking: on a device backend the first call starts an asynchronous read (queued behind the pass's kernels)
    /// and returns false; later calls return false until the data has arrived, then copy it and return true. On the
    /// CPU the data is copied at once. Call it again next frame while it returns false.
    /// </summary>
    public bool TryReadOutput(Blob output, Span<float> destination)
    {
        if (!IsDone)
        {
            return false;
        }
        if (destination.Length < output.Count)
        {
            throw new ArgumentException($"Blob '{output.Name}' holds {output.Count} values; the destination has room for {destination.Length}.");
        }
        SyncedMemory memory = output.DataMemory;
        if (!memory.HasDevice || memory.Head != MemoryHead.AtDevice || memory.DeviceData is not OpenCLBuffer buffer)
        {
            output.Data.CopyTo(destination);
            return true;
        }
        if (_readEvent == 0 || !ReferenceEquals(_reading, output))
        {
            CancelRead();
            if (_staging.Length < output.Count)
            {
                // Pinned so the device can write into it while the frame goes on; grown once, then reused.
                _staging = GC.AllocateUninitializedArray<float>(output.Count, pinned: true);
            }
            fixed (float* p = _staging)
            {
                _readEvent = buffer.BeginCopyToHost(p, output.Count);
            }
            _reading = output;
        }
        if (!OpenCLBuffer.IsComplete(_readEvent))
        {
            return false;
        }
        OpenCLBuffer.ReleaseEvent(_readEvent);
        _readEvent = 0;
        _reading = null;
        _staging.AsSpan(0, output.Count).CopyTo(destination);
        return true;
    }

    private void CancelRead()
    {
        if (_readEvent != 0)
        {
            // Wait for an abandoned read: it writes into the staging array, which may be replaced next.
            (_net.Backend as OpenCLBackend)?.Finish();
            OpenCLBuffer.ReleaseEvent(_readEvent);
            _readEvent = 0;
            _reading = null;
        }
    }

    /// <summary>Runs every remaining layer.</summary>
    public void RunToEnd()
    {
        while (!IsDone)
        {
            _loss += _net.ForwardFromTo(_next, _next);
            _next++;
        }
    }
}
