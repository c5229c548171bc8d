using Engine.Proto;

namespace Engine.Solvers;

/// <summary>The solvers Engine ships, by their Caffe type names (plus Engine's AdamW).</summary>
internal static class BuiltInSolvers
{
    public static IReadOnlyList<SolverRegistration> Registrations { get; } =
    [
        Make("SGD", typeof(SgdSolver), (p, c) => new SgdSolver(p, c)),
        Make("Nesterov", typeof(NesterovSolver), (p, c) => new NesterovSolver(p, c)),
        Make("AdaGrad", typeof(AdaGradSolver), (p, c) => new AdaGradSolver(p, c)),
        Make("RMSProp", typeof(RmsPropSolver), (p, c) => new RmsPropSolver(p, c)),
        Make("AdaDelta", typeof(AdaDeltaSolver), (p, c) => new AdaDeltaSolver(p, c)),
        Make("Adam", typeof(AdamSolver), (p, c) => new AdamSolver(p, c)),
        Make("AdamW", typeof(AdamWSolver), (p, c) => new AdamWSolver(p, c)),
    ];

    private static SolverRegistration Make(string type, Type cls, Func<SolverParameter, SolverContext, Solver> create)
        => new(type, cls, (_, p, c) => create(p, c));
}
