namespace Engine.Memory;

/// <summary>Where the current copy of a <see cref="SyncedMemory"/> lives, as in Caffe's SyncedMemory.</summary>
public enum MemoryHead
{
    /// <summary>Nothing allocated yet; the first read sees zeros.</summary>
    Uninitialized,
    /// <summary>The host copy is the newest; the device copy (if any) is stale.</summary>
    AtHost,
    /// <summary>The device copy is the newest; the host copy is stale.</summary>
    AtDevice,
    /// <summary>Host and device hold the same values.</summary>
    Synced,
}
