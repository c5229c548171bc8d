using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Engine.Fillers;
using Engine.Formats;
using Engine.Proto;

namespace Engine.Fuzz;

/// <summary>Seed inputs per target: valid files the mutator starts from.</summary>
internal static class FuzzCorpus
{
    public static List<byte[]> For(string target, string directory)
    {
        switch (target)
        {
            case "prototxt":
                return Directory.GetFiles(directory, "*.prototxt").Where(f => !Path.GetFileName(f).Contains("solver", StringComparison.Ordinal)).Order().Select(File.ReadAllBytes).ToList();
            case "solver":
                return Directory.GetFiles(directory, "*solver*.prototxt").Order().Select(File.ReadAllBytes).Append(SolverText).ToList();
            case "check":
                // Nets and solvers; the solver's inline net lets mutations reach the per-net checks without files.
                return Directory.GetFiles(directory, "*.prototxt").Order().Select(File.ReadAllBytes)
                    .Append(Encoding.UTF8.GetBytes("base_lr: 0.01\nlr_policy: \"fixed\"\nmax_iter: 10\nnet_param { name: \"n\" layer { name: \"d\" type: \"Input\" top: \"d\" input_param { shape { dim: 2 dim: 3 } } } layer { name: \"ip\" type: \"InnerProduct\" bottom: \"d\" top: \"ip\" inner_product_param { num_output: 4 } } }\n"))
                    .ToList();
            case "caffemodel":
                return Caffemodels();
            case "solverstate":
            {
                var state = new SolverState { Iter = 100, LearnedNet = "x.caffemodel", CurrentStep = 1 };
                state.History.Add(BlobProtoExtensions.Create([2, 2], [1f, 2f, 3f, 4f]));
                return [Google.Protobuf.MessageExtensions.ToByteArray(state)];
            }
            case "idx":
                return
                [
                    Idx(0x08, [3, 2, 2], 1), Idx(0x08, [5], 1), Idx(0x09, [2, 3], 1), Idx(0x0B, [2, 2], 2),
                    Idx(0x0C, [3], 4), Idx(0x0D, [2, 1, 2], 4), Idx(0x0E, [2], 8), Gzip(Idx(0x08, [2, 2, 3], 1)),
                ];
            case "npy":
                return
                [
                    Npy(1, "<f4", "(2, 3)", 24), Npy(1, "|u1", "(4,)", 4), Npy(2, ">i2", "(2, 2)", 8),
                    Npy(1, "<f8", "(1, 2, 1)", 16), Gzip(Npy(3, "<i8", "(2,)", 16)),
                ];
            default:
                throw new ArgumentException($"unknown fuzz target '{target}'; known: {string.Join(", ", FuzzTargets.Names)}");
        }
    }

    private static byte[] SolverText => Encoding.UTF8.GetBytes(
        "net: \"x.prototxt\"\ntest_iter: 100\ntest_interval: 500\nbase_lr: 0.01\nmomentum: 0.9\nlr_policy: \"step\"\ngamma: 0.1\nstepsize: 100\nsolver_type: NESTEROV\nmax_iter: 1000\n");

    private static List<byte[]> Caffemodels()
    {
        // A small trained-looking model in current and legacy blob layouts, with float and double data.
        NetParameter net = new NetBuilder("m").Input("data", 1, 4).InnerProduct("ip", "data", 3, Filler.Gaussian(1)).Build();
        var layer = net.Layer[1].Clone();
        layer.Blobs.Add(BlobProtoExtensions.Create([3, 4], Enumerable.Range(0, 12).Select(i => (float)i).ToArray()));
        var legacy = new BlobProto { Num = 1, Channels = 1, Height = 1, Width = 3 };
        legacy.DoubleData.AddRange([1.0, 2.0, 3.0]);
        layer.Blobs.Add(legacy);
        net.Layer[1] = layer;
        var v1 = new NetParameter { Name = "v1" };
        v1.Layers.Add(new V1LayerParameter { Name = "conv", Type = V1LayerParameter.Types.LayerType.Convolution, Bottom = { "data" }, Top = { "conv" } });
        return [Google.Protobuf.MessageExtensions.ToByteArray(net), Google.Protobuf.MessageExtensions.ToByteArray(v1)];
    }

    private static byte[] Idx(byte type, int[] dims, int elementSize)
    {
        int count = dims.Aggregate(1, (a, d) => a * d);
        var bytes = new byte[4 + 4 * dims.Length + count * elementSize];
        bytes[2] = type;
        bytes[3] = (byte)dims.Length;
        for (int i = 0; i < dims.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dims[i]);
        }
        for (int i = 4 + 4 * dims.Length; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(i * 37);
        }
        return bytes;
    }

    private static byte[] Npy(int major, string descr, string shape, int dataBytes)
    {
        string header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}".PadRight(118) + "\n";
        var bytes = new List<byte> { 0x93 };
        bytes.AddRange(Encoding.ASCII.GetBytes("NUMPY"));
        bytes.Add((byte)major);
        bytes.Add(0);
        if (major == 1)
        {
            bytes.AddRange([(byte)header.Length, 0]);
        }
        else
        {
            bytes.AddRange([(byte)header.Length, 0, 0, 0]);
        }
        bytes.AddRange(Encoding.Latin1.GetBytes(header));
        bytes.AddRange(Enumerable.Range(0, dataBytes).Select(i => (byte)(i * 53)));
        return bytes.ToArray();
    }

    private static byte[] Gzip(byte[] raw)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(raw);
        }
        return output.ToArray();
    }
}
