namespace Engine.Data;

/// <summary>
/// Opens a data layer's <c>data_param.source</c> by what it names. Conventions:
/// <list type="bullet">
/// <item>IDX (MNIST / Fashion-MNIST): the images file, e.g. <c>…/train-images-idx3-ubyte.gz</c>; labels are the file with
/// <c>images-idx3</c> replaced by <c>labels-idx1</c> (<c>…/train-labels-idx1-ubyte.gz</c>), compressed or not.</item>
/// <item>A directory: its <c>train-images-idx3-ubyte[.gz]</c> in TRAIN, <c>t10k-images-idx3-ubyte[.gz]</c> in TEST.</item>
/// <item>NumPy: <c>x.npy</c> of shape (N, …); labels in <c>x_labels.npy</c> (or, when the name contains <c>images</c>, the
/// same name with <c>labels</c> in its place), shape (N).</item>
/// <item>LMDB (<c>data_param.backend: LMDB</c>, or any directory holding <c>data.mdb</c>): the database directory of
/// serialized Datum records; see <see cref="LmdbDatumFile"/>.</item>
/// </list>
/// Sample shape: (N) ⇒ 1×1×1, (N, W) ⇒ 1×1×W, (N, H, W) ⇒ 1×H×W, (N, C, H, W) ⇒ C×H×W.
/// </summary>
public static class DataSources
{
    /// <summary>Where Debian's dataset-fashion-mnist package installs the files.</summary>
    public const string FashionMnistDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>Opens <paramref name="source"/>; <paramref name="train"/> picks the directory convention's file;
    /// <paramref name="lmdb"/> (<c>data_param.backend: LMDB</c>) reads it as an LMDB database directory.</summary>
    /// <exception cref="DataSourceException">The source does not exist (the message says how to install Fashion-MNIST), or cannot be read.</exception>
    public static DataSet Open(string source, bool train, bool needLabels, bool lmdb = false)
    {
        if (string.IsNullOrEmpty(source))
        {
            throw new DataSourceException("data_param.source is empty; name an IDX images file, a directory of IDX files, a .npy file, or an LMDB database directory. " + InstallHint);
        }
        if (lmdb || LmdbDatumFile.IsDatabase(source))
        {
            return LmdbDatumFile.Read(source);
        }
        string path = source;
        if (Directory.Exists(path))
        {
            string stem = train ? "train-images-idx3-ubyte" : "t10k-images-idx3-ubyte";
            path = FirstExisting(Path.Combine(path, stem + ".gz"), Path.Combine(path, stem))
                ?? throw new DataSourceException($"source directory '{source}' has no {stem}[.gz]. {InstallHint}");
        }
        if (!File.Exists(path))
        {
            throw new DataSourceException($"source '{source}' not found. {InstallHint}");
        }
        bool npy = path.EndsWith(".npy", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".npy.gz", StringComparison.OrdinalIgnoreCase);
        IdxFile.Content images = npy ? NpyFile.Read(path) : IdxFile.Read(path);
        string? labelPath = npy ? NpyLabelPath(path) : IdxLabelPath(path);
        float[]? labels = null;
        if (labelPath is not null)
        {
            IdxFile.Content l = npy ? NpyFile.Read(labelPath) : IdxFile.Read(labelPath);
            labels = l.Floats ?? l.Bytes!.Select(b => (float)b).ToArray();
        }
        else if (needLabels)
        {
            string expected = npy ? "<name>_labels.npy" : "the file with 'images-idx3' replaced by 'labels-idx1'";
            throw new DataSourceException($"no labels found for '{path}' (expected {expected}); give the layer one top to read images only.");
        }
        int[] d = images.Dims;
        (int c, int h, int w) = d.Length switch
        {
            1 => (1, 1, 1),
            2 => (1, 1, d[1]),
            3 => (1, d[1], d[2]),
            4 => (d[1], d[2], d[3]),
            _ => throw new DataSourceException($"{path}: {d.Length}-dimensional data; expected (N), (N, W), (N, H, W) or (N, C, H, W)."),
        };
        return images.Bytes is not null
            ? new DataSet(images.Bytes, d[0], c, h, w, labels, path)
            : new DataSet(images.Floats!, d[0], c, h, w, labels, path);
    }

    /// <summary>How to get Fashion-MNIST, appended to missing-source errors.</summary>
    public static string InstallHint =>
        "Fashion-MNIST comes with the Debian package dataset-fashion-mnist (apt-get install dataset-fashion-mnist), " +
        $"which installs train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz under {FashionMnistDirectory}/.";

    /// <summary>The labels file the IDX convention pairs with <paramref name="imagesPath"/>, or null when none exists.</summary>
    public static string? IdxLabelPath(string imagesPath)
    {
        string dir = Path.GetDirectoryName(imagesPath) ?? "";
        string name = Path.GetFileName(imagesPath);
        int at = name.LastIndexOf("images-idx", StringComparison.Ordinal);
        if (at < 0 || at + 11 > name.Length)
        {
            return null;
        }
        string labels = name[..at] + "labels-idx1" + name[(at + 11)..];
        string plain = labels.EndsWith(".gz", StringComparison.Ordinal) ? labels[..^3] : labels;
        return FirstExisting(Path.Combine(dir, labels), Path.Combine(dir, plain), Path.Combine(dir, plain + ".gz"));
    }

    /// <summary>The labels file the NumPy convention pairs with <paramref name="imagesPath"/>, or null when none exists.</summary>
    public static string? NpyLabelPath(string imagesPath)
    {
        string dir = Path.GetDirectoryName(imagesPath) ?? "";
        string name = Path.GetFileName(imagesPath);
        string ext = name.EndsWith(".npy.gz", StringComparison.OrdinalIgnoreCase) ? name[^7..] : name[^4..];
        string stem = name[..^ext.Length];
        var candidates = new List<string>();
        int at = stem.LastIndexOf("images", StringComparison.Ordinal);
        if (at >= 0)
        {
            candidates.Add(Path.Combine(dir, stem[..at] + "labels" + stem[(at + 6)..] + ext));
        }
        candidates.Add(Path.Combine(dir, stem + "_labels" + ext));
        return FirstExisting([.. candidates]);
    }

    private static string? FirstExisting(params string[] paths) => paths.FirstOrDefault(File.Exists);
}
