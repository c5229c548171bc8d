namespace Engine.Formats;

/// <summary>
/// A binary Caffe file (<c>.caffemodel</c>, <c>.solverstate</c>, <c>.binaryproto</c>) is truncated, corrupt or
/// inconsistent. The message starts with the file path.
/// </summary>
public sealed class WeightsFormatException : FormatException
{
    /// <summary>Creates the exception for <paramref name="file"/>.</summary>
    /// <param name="file">Path of the offending file.</param>
    /// <param name="reason">What is wrong, without the path.</param>
    /// <param name="inner">The underlying decoder failure, if any.</param>
    public WeightsFormatException(string file, string reason, Exception? inner = null)
        : base($"{file}: {reason}", inner)
    {
        File = file;
        Reason = reason;
    }

    /// <summary>Path of the file that could not be read.</summary>
    public string File { get; }

    /// <summary>The problem without the path prefix.</summary>
    public string Reason { get; }
}
