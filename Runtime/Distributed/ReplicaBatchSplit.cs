using Engine.Formats;
using Engine.Proto;
using Engine.Solvers;

namespace Engine.Distributed;

/// <summary>
/// Rewrites a solver definition so that its train net reads 1/N of the batch, for N thread replicas that together
/// train on the original global batch (<see cref="ThreadReplicaReducer"/>, <c>engine train --replicas N</c>).
/// </summary>
public static class ReplicaBatchSplit
{
    /// <summary>Layer types that compute across the samples of a batch: a replica would see only its own part.</summary>
    private static readonly string[] BatchCoupled = ["BatchNorm", "BatchReindex"];

    /// <summary>
    /// Returns a copy of <paramref name="param"/> whose train net is given inline (<c>train_net_param</c>) with the
    /// batch of every data layer it uses (Data, ImageData, MemoryData, HDF5Data, WindowData, DummyData, Input) divided
    /// by <paramref name="replicas"/>. The test nets are kept as they were (also made inline, so that they no longer
    /// come from the same generic <c>net</c>).
    /// </summary>
    /// <param name="param">The solver definition.</param>
    /// <param name="replicas">Number of replicas, at least 1; 1 returns an unchanged copy.</param>
    /// <param name="baseDirectory">Directory that relative net file names resolve against (the solver file's).</param>
    /// <exception cref="SolverException">
    /// A batch is not divisible by <paramref name="replicas"/>, the train net has no data layer to split, or it has a
    /// layer that couples the samples of a batch (BatchNorm), which replicas would change; the message names the layer.
    /// </exception>
    public static SolverParameter Apply(SolverParameter param, int replicas, string? baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(param);
        ArgumentOutOfRangeException.ThrowIfLessThan(replicas, 1);
        SolverParameter split = param.Clone();
        if (replicas == 1)
        {
            return split;
        }
        NetParameter train = SolverNets.Train(param, baseDirectory);
        List<NetParameter> tests = SolverNets.Tests(param, baseDirectory);
        int divided = 0;
        foreach (LayerParameter layer in train.Layer)
        {
            if (!NetStateFilter.Applies(layer, train.State))
            {
                continue;
            }
            if (BatchCoupled.Contains(layer.Type))
            {
                throw new SolverException(
                    $"layer '{layer.Name}' ({layer.Type}) computes over the whole batch, so {replicas} replicas of 1/{replicas} of it would train differently; " +
                    "train this net without replicas (--threads alone splits each layer's work instead).");
            }
            if (Divide(layer, replicas))
            {
                divided++;
            }
        }
        if (divided == 0)
        {
            throw new SolverException($"the train net '{train.Name}' has no data layer whose batch could be split over {replicas} replicas.");
        }
        split.TrainNetParam = train;
        split.ClearTrainNet();
        split.NetParam = null;
        split.ClearNet();
        split.TrainState = null;
        // The test nets already carry their merged states; keep them inline so that dropping the generic net keeps them.
        split.TestNetParam.Clear();
        split.TestNetParam.Add(tests);
        split.TestNet.Clear();
        split.TestState.Clear();
        return split;
    }

    private static bool Divide(LayerParameter layer, int replicas)
    {
        switch (layer.Type)
        {
            case "Data" when layer.DataParam is { } p:
                p.BatchSize = Divide(layer, "data_param.batch_size", p.BatchSize, replicas);
                return true;
            case "ImageData" when layer.ImageDataParam is { } p:
                p.BatchSize = Divide(layer, "image_data_param.batch_size", p.BatchSize, replicas);
                return true;
            case "MemoryData" when layer.MemoryDataParam is { } p:
                p.BatchSize = Divide(layer, "memory_data_param.batch_size", p.BatchSize, replicas);
                return true;
            case "HDF5Data" when layer.Hdf5DataParam is { } p:
                p.BatchSize = Divide(layer, "hdf5_data_param.batch_size", p.BatchSize, replicas);
                return true;
            case "WindowData" when layer.WindowDataParam is { } p:
                p.BatchSize = Divide(layer, "window_data_param.batch_size", p.BatchSize, replicas);
                return true;
            case "Input" when layer.InputParam is { Shape.Count: > 0 } p:
                foreach (BlobShape shape in p.Shape)
                {
                    DivideFirstAxis(layer, "input_param.shape", shape, replicas);
                }
                return true;
            case "DummyData" when layer.DummyDataParam is { } p && (p.Shape.Count > 0 || p.Num.Count > 0):
                foreach (BlobShape shape in p.Shape)
                {
                    DivideFirstAxis(layer, "dummy_data_param.shape", shape, replicas);
                }
                for (int i = 0; i < p.Num.Count; i++)
                {
                    p.Num[i] = Divide(layer, "dummy_data_param.num", p.Num[i], replicas);
                }
                return true;
            default:
                return false;
        }
    }

    private static void DivideFirstAxis(LayerParameter layer, string field, BlobShape shape, int replicas)
    {
        if (shape.Dim.Count == 0)
        {
            throw new SolverException($"layer '{layer.Name}' ({layer.Type}): {field} has no axes, so there is no batch axis to split over {replicas} replicas.");
        }
        shape.Dim[0] = Divide(layer, $"{field} dim 0", shape.Dim[0], replicas);
    }

    private static uint Divide(LayerParameter layer, string field, uint batch, int replicas) => (uint)Divide(layer, field, (long)batch, replicas);

    private static long Divide(LayerParameter layer, string field, long batch, int replicas)
    {
        if (batch <= 0 || batch % replicas != 0)
        {
            throw new SolverException(
                $"layer '{layer.Name}' ({layer.Type}): {field} is {batch}, not divisible by {replicas} replicas; choose a batch that is a multiple of the replica count.");
        }
        return batch / replicas;
    }
}
