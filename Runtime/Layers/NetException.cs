namespace Engine;

/// <summary>An error in a net's structure: cycles, blobs nothing produces, duplicate producers, bad sharing.</summary>
public sealed class NetException : Exception
{
    /// <summary>Creates the error.</summary>
    public NetException(string message)
        : base(message)
    {
    }
}
