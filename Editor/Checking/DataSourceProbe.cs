using Engine.Proto;

namespace Engine.Editor.Checking;

/// <summary>
/// Finds the data layers of a net whose source is absent, and what their top shapes are without the data.
/// Sources are looked up as the layers will open them at run time: relative to the current directory (as Caffe).
/// </summary>
internal static class DataSourceProbe
{
    /// <summary>Layer types that read a <c>source</c> (file or directory) named in their parameters.</summary>
    public static readonly IReadOnlyList<string> SourceTypes = ["Data", "ImageData", "WindowData", "HDF5Data"];

    /// <summary>The data layers of <paramref name="net"/> whose source does not exist.</summary>
    /// <param name="net">A net filtered to one state, every layer named.</param>
    /// <param name="definitionDirectory">Directory of the definition file, for a "run from there" hint.</param>
    public static List<MissingSource> FindMissing(NetParameter net, string? definitionDirectory)
    {
        var missing = new List<MissingSource>();
        foreach (LayerParameter layer in net.Layer)
        {
            if (!SourceTypes.Contains(layer.Type))
            {
                continue;
            }
            (string source, uint batch) = SourceAndBatch(layer);
            if (source.Length > 0 && (File.Exists(source) || Directory.Exists(source)))
            {
                continue;
            }
            string hint = "";
            if (source.Length == 0)
            {
                hint = " (no source given)";
            }
            else if (definitionDirectory is not null && !Path.IsPathRooted(source)
                     && Path.Combine(definitionDirectory, source) is var beside && (File.Exists(beside) || Directory.Exists(beside)))
            {
                hint = $" in the current directory (it exists relative to the definition: run from '{definitionDirectory}')";
            }
            missing.Add(new MissingSource(layer.Name, layer.Type, source, KnownShapes(layer, (int)Math.Min(batch, int.MaxValue)), hint));
        }
        return missing;
    }

    private static (string Source, uint Batch) SourceAndBatch(LayerParameter layer) => layer.Type switch
    {
        "Data" => (layer.DataParam ?? new()) is var p ? (p.Source, p.BatchSize) : default,
        "ImageData" => (layer.ImageDataParam ?? new()) is var p ? (p.Source, p.BatchSize) : default,
        "WindowData" => (layer.WindowDataParam ?? new()) is var p ? (p.Source, p.BatchSize) : default,
        _ => (layer.Hdf5DataParam ?? new()) is var p ? (p.Source, p.BatchSize) : default,
    };

    private static int?[][] KnownShapes(LayerParameter layer, int batch)
    {
        int? crop = layer.TransformParam is { CropSize: > 0 } t ? (int)t.CropSize : null;
        switch (layer.Type)
        {
            case "ImageData":
            {
                ImageDataParameter p = layer.ImageDataParam ?? new ImageDataParameter();
                int? h = crop ?? (p.NewHeight > 0 ? (int)p.NewHeight : null);
                int? w = crop ?? (p.NewWidth > 0 ? (int)p.NewWidth : null);
                return [[batch, p.IsColor ? 3 : 1, h, w], [batch]];
            }
            case "WindowData":
            {
                int? c = crop ?? (layer.WindowDataParam is { CropSize: > 0 } wp ? (int)wp.CropSize : null);
                return [[batch, 3, c, c], [batch]];
            }
            case "HDF5Data":
                // HDF5 datasets name their own tops; the first is taken as N×C×H×W, the rest as per-sample labels.
                return [[batch, null, null, null], .. Enumerable.Repeat<int?[]>([batch], Math.Max(0, layer.Top.Count - 1))];
            default:
                return [[batch, null, crop, crop], [batch]];
        }
    }
}
