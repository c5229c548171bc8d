using Engine.Formats;
using Engine.Proto;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Engine.Solvers;

/// <summary>Creates solvers from definitions or solver files with the registered solvers, layers and logging (resolve it from the service provider).</summary>
public sealed class SolverFactory
{
    /// <summary>Creates the factory.</summary>
    public SolverFactory(SolverRegistry solvers, LayerRegistry layers, Backend backend, ILoggerFactory? loggerFactory = null)
    {
        Solvers = solvers;
        Layers = layers;
        Backend = backend;
        LoggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
    }

    /// <summary>Solver types.</summary>
    public SolverRegistry Solvers { get; }

    /// <summary>Layer types.</summary>
    public LayerRegistry Layers { get; }

    /// <summary>Backend of the nets.</summary>
    public Backend Backend { get; }

    /// <summary>Where solver loggers come from (category <c>Engine.Solvers.Solver</c>).</summary>
    public ILoggerFactory LoggerFactory { get; }

    /// <summary>Creates the solver a definition describes; relative paths in it resolve against <paramref name="baseDirectory"/>.</summary>
    /// <exception cref="SolverException">Unknown type or invalid field.</exception>
    public Solver Create(SolverParameter param, string? baseDirectory = null)
        => Solvers.Create(param, new SolverContext(Layers) { Backend = Backend, Logger = LoggerFactory.CreateLogger<Solver>(), BaseDirectory = baseDirectory });

    /// <summary>
    /// Reads a solver prototxt (with Caffe's upgrades) and creates the solver. Net files and snapshot_prefix are
    /// resolved against the solver file's directory; a missing snapshot_prefix defaults to the solver file's path
    /// without extension, and a prefix naming a directory gets the solver file's name appended.
    /// </summary>
    /// <exception cref="FileNotFoundException">The solver file does not exist.</exception>
    /// <exception cref="SolverException">Unknown type or invalid field; the message starts with the file name.</exception>
    public Solver Load(string solverPath)
    {
        SolverParameter param = LoadParameter(solverPath);
        try
        {
            return Create(param, Path.GetDirectoryName(Path.GetFullPath(solverPath)));
        }
        catch (SolverException e)
        {
            throw new SolverException($"{solverPath}: {e.Message}", e);
        }
    }

    /// <summary>Reads a solver prototxt as <see cref="Load"/> does, without creating the solver.</summary>
    public static SolverParameter LoadParameter(string solverPath)
    {
        if (!File.Exists(solverPath))
        {
            throw new FileNotFoundException($"Solver file '{solverPath}' not found.", solverPath);
        }
        SolverParameter param = NetDefinitions.ParseSolver(File.ReadAllText(solverPath), solverPath);
        string directory = Path.GetDirectoryName(Path.GetFullPath(solverPath)) ?? ".";
        string prefix = param.HasSnapshotPrefix ? param.SnapshotPrefix : Path.GetFileNameWithoutExtension(solverPath);
        prefix = Path.Combine(directory, prefix);
        if (Directory.Exists(prefix))
        {
            prefix = Path.Combine(prefix, Path.GetFileNameWithoutExtension(solverPath));
        }
        param.SnapshotPrefix = prefix;
        return param;
    }
}
