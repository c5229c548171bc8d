namespace Engine.Solvers;

/// <summary>A solver definition or state is invalid (bad field value, unknown type or policy, mismatched snapshot).</summary>
public sealed class SolverException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SolverException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public SolverException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
