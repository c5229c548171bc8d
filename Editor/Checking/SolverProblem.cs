namespace Engine.Editor.Checking;

/// <summary>Something wrong with a solver definition, tied to the field at fault (empty when the problem is a missing field).</summary>
/// <param name="Field">The outer solver field at fault, used to find its line and column.</param>
/// <param name="Message">What is wrong and what would be right.</param>
internal sealed record SolverProblem(string Field, string Message);
