using Engine.Data;
using Engine.Proto;
using PureHDF;
using PureHDF.VOL.Native;

namespace Engine.Layers;

/// <summary>
/// Reads rows of HDF5 datasets: <c>hdf5_data_param.source</c> is a text file listing <c>.h5</c> files (one per line,
/// relative paths taken from the list file's folder when not found as given), and each top's <b>name</b> is the
/// dataset read into it. Top i has shape (batch_size, dataset.shape[1:]); all tops and files must agree on the row
/// count per file and on the row shape. Batches run on across files and wrap around after the last one. With shuffle,
/// the file order and the rows inside each file are permuted (by the layer's generator) on every pass. Float and
/// double datasets are read; one file is held in memory at a time.
/// </summary>
[Layer("HDF5Data", Summary = "Rows of HDF5 datasets named by the tops, from a list of .h5 files; wraps across files.")]
public sealed class HDF5DataLayer : Layer, IShardedData
{
    private readonly List<string> _files = [];
    private int[] _fileOrder = [];
    private int[] _rowOrder = [];
    private float[][] _current = [];
    private int[][] _rowShapes = [];
    private int[] _rowSizes = [];
    private int _rows;
    private int _fileIndex;
    private int _loadedFile = -1;
    private int _row;
    private int _batchSize;
    private int _shardRank;
    private int _shardCount = 1;
    private bool _shuffle;
    private string[] _names = [];

    /// <summary>Creates the layer.</summary>
    public HDF5DataLayer(LayerParameter param)
        : base(param)
    {
    }

    /// <inheritdoc />
    public override int ExactNumBottomBlobs => 0;

    /// <inheritdoc />
    public override int MinTopBlobs => 1;

    /// <summary>The .h5 files read, in list order.</summary>
    public IReadOnlyList<string> Files => _files;

    /// <inheritdoc />
    public override void LayerSetUp(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        HDF5DataParameter p = Param.Hdf5DataParam ?? throw Error("needs hdf5_data_param { source: ... batch_size: ... }.");
        if (p.BatchSize == 0)
        {
            throw Error("hdf5_data_param.batch_size must be > 0.");
        }
        _batchSize = (int)p.BatchSize;
        _shuffle = p.Shuffle;
        _names = [.. Param.Top];
        ReadList(p.Source);
        _fileOrder = [.. Enumerable.Range(0, _files.Count)];
        _current = new float[_names.Length][];
        _rowShapes = new int[_names.Length][];
        _rowSizes = new int[_names.Length];
        if (_shuffle)
        {
            Permute(_fileOrder);
        }
        _fileIndex = 0;
        Load(_fileOrder[0], first: true);
        for (int i = 0; i < top.Count; i++)
        {
            top[i].Reshape([_batchSize, .. _rowShapes[i]]);
        }
    }

    private void ReadList(string source)
    {
        if (!File.Exists(source))
        {
            throw Error($"hdf5_data_param.source '{source}' does not exist.");
        }
        string folder = Path.GetDirectoryName(Path.GetFullPath(source)) ?? "";
        int lineNumber = 0;
        foreach (string raw in File.ReadLines(source))
        {
            lineNumber++;
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            string path = File.Exists(line) || Path.IsPathRooted(line) ? line : Path.Combine(folder, line);
            if (!File.Exists(path))
            {
                throw Error($"{source}:{lineNumber}:1: HDF5 file '{line}' does not exist.");
            }
            _files.Add(path);
        }
        if (_files.Count == 0)
        {
            throw Error($"hdf5_data_param.source '{source}' lists no files.");
        }
    }

    /// <summary>Reads every top's dataset from file <paramref name="file"/>; the first file fixes the row shapes.</summary>
    private void Load(int file, bool first)
    {
        if (file == _loadedFile)
        {
            return;
        }
        string path = _files[file];
        int rows = -1;
        try
        {
            using NativeFile h5 = H5File.OpenRead(path);
            for (int i = 0; i < _names.Length; i++)
            {
                string name = _names[i];
                if (!h5.LinkExists(name))
                {
                    throw Error($"'{path}' has no dataset '{name}' (each top name must be a dataset name).");
                }
                IH5Dataset dataset = h5.Dataset(name);
                ulong[] dims = dataset.Space.Dimensions;
                if (dims.Length == 0 || dims[0] == 0)
                {
                    throw Error($"'{path}' dataset '{name}' has shape ({string.Join(", ", dims)}); need at least one row.");
                }
                int[] rowShape = [.. dims.Skip(1).Select(d => checked((int)d))];
                if (first)
                {
                    _rowShapes[i] = rowShape;
                    _rowSizes[i] = rowShape.Aggregate(1, (a, b) => checked(a * b));
                }
                else if (!rowShape.SequenceEqual(_rowShapes[i]))
                {
                    throw Error($"'{path}' dataset '{name}' rows have shape ({string.Join(", ", rowShape)}) but '{_files[0]}' has ({string.Join(", ", _rowShapes[i])}).");
                }
                if (rows >= 0 && (int)dims[0] != rows)
                {
                    throw Error($"'{path}' dataset '{name}' has {dims[0]} rows but '{_names[0]}' has {rows}.");
                }
                rows = checked((int)dims[0]);
                _current[i] = ReadFloats(dataset, path, name);
            }
        }
        catch (Exception e) when (e is not LayerException)
        {
            throw Error($"cannot read HDF5 file '{path}': {e.Message}");
        }
        _rows = rows;
        _loadedFile = file;
        if (_rowOrder.Length != rows)
        {
            _rowOrder = new int[rows];
        }
        for (int r = 0; r < rows; r++)
        {
            _rowOrder[r] = r;
        }
        if (_shuffle)
        {
            Permute(_rowOrder);
        }
    }

    private float[] ReadFloats(IH5Dataset dataset, string path, string name)
    {
        IH5DataType type = dataset.Type;
        return (type.Class, type.Size) switch
        {
            (H5DataTypeClass.FloatingPoint, 4) => dataset.Read<float[]>(),
            (H5DataTypeClass.FloatingPoint, 8) => [.. dataset.Read<double[]>().Select(v => (float)v)],
            _ => throw Error($"'{path}' dataset '{name}' holds {type.Class} values of {type.Size} bytes; only float and double are read."),
        };
    }

    /// <inheritdoc />
    public override void Reshape(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
    }

    /// <inheritdoc />
    public void SetShard(int rank, int count)
    {
        IShardedData.ThrowIfInvalidShard(rank, count);
        _shardRank = rank;
        _shardCount = count;
    }

    /// <inheritdoc />
    protected override void ForwardCpu(IReadOnlyList<Blob> bottom, IReadOnlyList<Blob> top)
    {
        // As a replica, walk the whole global batch (files and rows advance alike on every replica) but copy only
        // this replica's slice of it.
        int first = _shardRank * _batchSize;
        for (int g = 0; g < _batchSize * _shardCount; g++)
        {
            if (_row == _rows)
            {
                NextFile();
            }
            int k = g - first;
            if (k >= 0 && k < _batchSize)
            {
                int row = _rowOrder[_row];
                for (int i = 0; i < top.Count; i++)
                {
                    int size = _rowSizes[i];
                    _current[i].AsSpan(row * size, size).CopyTo(top[i].MutableData.Slice(k * size, size));
                }
            }
            _row++;
        }
    }

    private void NextFile()
    {
        _fileIndex++;
        if (_fileIndex == _files.Count)
        {
            _fileIndex = 0;
            if (_shuffle)
            {
                Permute(_fileOrder);
            }
        }
        int file = _fileOrder[_fileIndex];
        if (file == _loadedFile && _shuffle)
        {
            Permute(_rowOrder);
        }
        Load(file, first: false);
        _row = 0;
    }

    private void Permute(int[] order)
    {
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = Random.NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
    }
}
