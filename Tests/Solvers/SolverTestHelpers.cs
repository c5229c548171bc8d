using Engine.Formats;
using Engine.Proto;
using Engine.Solvers;
using Engine.Tests.Support;

namespace Engine.Tests.Solvers;

/// <summary>Builds solvers from prototxt text for the tests.</summary>
internal static class SolverTestHelpers
{
    /// <summary>A one-layer net: data (1×3) → InnerProduct with 2 outputs; weight lr_mult 1 decay_mult 1, bias lr_mult 2 decay_mult 0.</summary>
    public const string TinyIpNet = """
        net_param {
          name: "tiny"
          layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 3 } } }
          layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip"
                  param { lr_mult: 1 decay_mult: 1 } param { lr_mult: 2 decay_mult: 0 }
                  inner_product_param { num_output: 2 } }
        }
        """;

    public static Solver Create(string solverText, string? baseDirectory = null)
    {
        SolverParameter param = NetDefinitions.ParseSolver(solverText, "test.prototxt");
        return SolverRegistry.CreateDefault().Create(param, new SolverContext(TestData.Registry) { BaseDirectory = baseDirectory });
    }

    public static Solver Create(SolverParameter param, string? baseDirectory = null)
        => SolverRegistry.CreateDefault().Create(param, new SolverContext(TestData.Registry) { BaseDirectory = baseDirectory });

    /// <summary>A fresh temporary directory, deleted by the caller.</summary>
    public static string TempDirectory()
    {
        string dir = Path.Combine(Path.GetTempPath(), "engine-solver-tests-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        return dir;
    }
}
