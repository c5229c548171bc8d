namespace Engine.Data;

/// <summary>A data source cannot be read: missing file, bad magic number, truncated or inconsistent content.</summary>
public sealed class DataSourceException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DataSourceException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public DataSourceException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
