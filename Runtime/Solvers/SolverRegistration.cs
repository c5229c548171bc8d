using Engine.Proto;

namespace Engine.Solvers;

/// <summary>One solver type: its name (SolverParameter.type) and how to create it.</summary>
/// <param name="Type">The type string, e.g. <c>SGD</c>.</param>
/// <param name="SolverClass">The implementing class.</param>
/// <param name="Factory">Creates the solver; the service provider may be null outside dependency injection.</param>
public sealed record SolverRegistration(string Type, Type SolverClass, Func<IServiceProvider?, SolverParameter, SolverContext, Solver> Factory);
