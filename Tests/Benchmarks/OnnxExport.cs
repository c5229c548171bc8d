using System.Text;
using Engine.Proto;

namespace Engine.Benchmarks;

/// <summary>
/// Writes an Engine net (with its current weights) as an ONNX model, so that ONNX Runtime races the very same weights.
/// Only what the benchmark nets use is covered: Input, Convolution, MAX Pooling, InnerProduct, ReLU, TanH, Softmax.
/// The protobuf is encoded by hand (field numbers from onnx.proto); ONNX tensors are named after layers because
/// Caffe's in-place layers reuse blob names, which ONNX's single-assignment graphs forbid.
/// </summary>
internal static class OnnxExport
{
    private const int FloatType = 1;
    private const int AttributeInt = 2;
    private const int AttributeInts = 7;

    /// <summary>The model bytes, with the graph input named <paramref name="inputName"/> and its output named "output".</summary>
    public static byte[] Export(Net net, string inputName)
    {
        var graph = new ProtoWriter();
        graph.String(2, net.Name);
        var tensorOf = new Dictionary<string, string>(StringComparer.Ordinal);
        string last = inputName;
        for (int i = 0; i < net.Layers.Count; i++)
        {
            Layer layer = net.Layers[i];
            IReadOnlyList<Blob> bottoms = net.BottomsOf(i), tops = net.TopsOf(i);
            if (layer.Type == "Input")
            {
                Blob input = tops[0];
                tensorOf[input.Name] = input.Name;
                graph.Message(11, ValueInfo(input.Name, input.ShapeArray));
                continue;
            }
            string x = tensorOf[bottoms[0].Name];
            string y = layer.Name;
            switch (layer.Type)
            {
                case "Convolution":
                {
                    ConvolutionParameter p = layer.Param.ConvolutionParam;
                    int k = (int)p.KernelSize[0];
                    int stride = p.Stride.Count > 0 ? (int)p.Stride[0] : 1;
                    int pad = p.Pad.Count > 0 ? (int)p.Pad[0] : 0;
                    AddWeights(graph, layer, out string w, out string b);
                    graph.Message(1, Node("Conv", y, [x, w, b], y,
                        Ints("kernel_shape", k, k), Ints("strides", stride, stride), Ints("pads", pad, pad, pad, pad)));
                    break;
                }
                case "Pooling":
                {
                    PoolingParameter p = layer.Param.PoolingParam;
                    if (p.Pool != PoolingParameter.Types.PoolMethod.Max) throw new NotSupportedException("only MAX pooling is exported");
                    int k = (int)p.KernelSize, s = (int)p.Stride;
                    graph.Message(1, Node("MaxPool", y, [x], y, Ints("kernel_shape", k, k), Ints("strides", s, s)));
                    break;
                }
                case "InnerProduct":
                {
                    string flat = y + "_flat";
                    graph.Message(1, Node("Flatten", flat, [x], flat, Int("axis", 1)));
                    AddWeights(graph, layer, out string w, out string b);
                    graph.Message(1, Node("Gemm", y, [flat, w, b], y, Int("transB", 1)));
                    break;
                }
                case "ReLU": graph.Message(1, Node("Relu", y, [x], y)); break;
                case "TanH": graph.Message(1, Node("Tanh", y, [x], y)); break;
                case "Softmax": graph.Message(1, Node("Softmax", y, [x], y, Int("axis", 1))); break;
                default: throw new NotSupportedException($"layer '{layer.Name}' of type {layer.Type} is not exported");
            }
            tensorOf[tops[0].Name] = y;
            last = y;
        }
        // The final layer's tensor is renamed through an Identity so that callers bind a fixed name.
        graph.Message(1, Node("Identity", "output", [last], "output"));
        graph.Message(12, ValueInfo("output", net.OutputBlobs[0].ShapeArray));

        var opset = new ProtoWriter();
        opset.String(1, "");
        opset.Varint(2, 13);
        var model = new ProtoWriter();
        model.Varint(1, 8);
        model.String(2, "Engine.Benchmarks");
        model.Message(7, graph);
        model.Message(8, opset);
        return model.ToArray();
    }

    private static void AddWeights(ProtoWriter graph, Layer layer, out string weight, out string bias)
    {
        weight = layer.Name + "_w";
        bias = layer.Name + "_b";
        graph.Message(5, Tensor(weight, layer.Blobs[0]));
        graph.Message(5, Tensor(bias, layer.Blobs[1]));
    }

    private static ProtoWriter Tensor(string name, Blob blob)
    {
        var t = new ProtoWriter();
        foreach (int d in blob.ShapeArray) t.Varint(1, (ulong)d);
        t.Varint(2, FloatType);
        t.String(8, name);
        byte[] raw = new byte[blob.Count * sizeof(float)];
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(blob.Data).CopyTo(raw);
        t.Bytes(9, raw);
        return t;
    }

    private static ProtoWriter ValueInfo(string name, int[] shape)
    {
        var dims = new ProtoWriter();
        foreach (int d in shape)
        {
            var dim = new ProtoWriter();
            dim.Varint(1, (ulong)d);
            dims.Message(1, dim);
        }
        var tensor = new ProtoWriter();
        tensor.Varint(1, FloatType);
        tensor.Message(2, dims);
        var type = new ProtoWriter();
        type.Message(1, tensor);
        var info = new ProtoWriter();
        info.String(1, name);
        info.Message(2, type);
        return info;
    }

    private static ProtoWriter Node(string op, string name, string[] inputs, string output, params ProtoWriter[] attributes)
    {
        var node = new ProtoWriter();
        foreach (string input in inputs) node.String(1, input);
        node.String(2, output);
        node.String(3, name);
        node.String(4, op);
        foreach (ProtoWriter a in attributes) node.Message(5, a);
        return node;
    }

    private static ProtoWriter Int(string name, long value)
    {
        var a = new ProtoWriter();
        a.String(1, name);
        a.Varint(3, (ulong)value);
        a.Varint(20, AttributeInt);
        return a;
    }

    private static ProtoWriter Ints(string name, params long[] values)
    {
        var a = new ProtoWriter();
        a.String(1, name);
        foreach (long v in values) a.Varint(8, (ulong)v);
        a.Varint(20, AttributeInts);
        return a;
    }

    /// <summary>Minimal protobuf encoder: varints, length-delimited strings, bytes and nested messages.</summary>
    private sealed class ProtoWriter
    {
        private readonly MemoryStream _stream = new();

        public void Varint(int field, ulong value)
        {
            Raw((ulong)field << 3);
            Raw(value);
        }

        public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public void Message(int field, ProtoWriter message) => Bytes(field, message.ToArray());

        public void Bytes(int field, byte[] value)
        {
            Raw(((ulong)field << 3) | 2);
            Raw((ulong)value.Length);
            _stream.Write(value);
        }

        public byte[] ToArray() => _stream.ToArray();

        private void Raw(ulong value)
        {
            while (value >= 0x80)
            {
                _stream.WriteByte((byte)(value | 0x80));
                value >>= 7;
            }
            _stream.WriteByte((byte)value);
        }
    }
}
