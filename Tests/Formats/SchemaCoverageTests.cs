using System.Collections;
using Engine.Formats;
using Engine.Proto;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using NUnit.Framework;

namespace Engine.Tests.Formats;

/// <summary>Exercises the reflection-driven text format on every message of the schema, with every field set.</summary>
public class SchemaCoverageTests
{
    private static IEnumerable<MessageDescriptor> AllMessages()
    {
        var pending = new Stack<MessageDescriptor>(CaffeReflection.Descriptor.MessageTypes);
        while (pending.Count > 0)
        {
            var m = pending.Pop();
            yield return m;
            foreach (var nested in m.NestedTypes)
            {
                pending.Push(nested);
            }
        }
    }

    private static IEnumerable<TestCaseData> Messages() =>
        AllMessages().OrderBy(m => m.FullName).Select(m => new TestCaseData(m.FullName).SetName("EveryFieldRoundTrips_" + m.Name));

    private static object Sample(FieldDescriptor field, int variant) => field.FieldType switch
    {
        FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => variant == 0 ? -123 : int.MaxValue,
        FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => variant == 0 ? -1234567890123L : long.MinValue,
        FieldType.UInt32 or FieldType.Fixed32 => variant == 0 ? 7u : uint.MaxValue,
        FieldType.UInt64 or FieldType.Fixed64 => variant == 0 ? 7UL : ulong.MaxValue,
        FieldType.Float => variant == 0 ? 0.1f : -3.5e-12f,
        FieldType.Double => variant == 0 ? 0.1 : -1e300,
        FieldType.Bool => variant == 0,
        FieldType.String => variant == 0 ? "text 'with' \"quotes\"\n" : "ü",
        FieldType.Bytes => ByteString.CopyFrom(0, 255, (byte)variant),
        FieldType.Enum => Enum.ToObject(field.EnumType.ClrType, field.EnumType.Values[variant % field.EnumType.Values.Count].Number),
        _ => throw new NotSupportedException(field.FieldType.ToString()),
    };

    private static IMessage Populate(MessageDescriptor descriptor, int depth)
    {
        var message = (IMessage)Activator.CreateInstance(descriptor.ClrType)!;
        foreach (var field in descriptor.Fields.InDeclarationOrder())
        {
            bool isMessage = field.FieldType == FieldType.Message;
            if (isMessage && depth >= 3)
            {
                continue;
            }

            if (field.IsRepeated)
            {
                var list = (IList)field.Accessor.GetValue(message);
                for (int v = 0; v < 2; v++)
                {
                    list.Add(isMessage ? Populate(field.MessageType, depth + 1) : Sample(field, v));
                }
            }
            else
            {
                field.Accessor.SetValue(message, isMessage ? Populate(field.MessageType, depth + 1) : Sample(field, 1));
            }
        }

        return message;
    }

    [TestCaseSource(nameof(Messages))]
    public void EveryFieldRoundTrips(string fullName)
    {
        var descriptor = AllMessages().Single(m => m.FullName == fullName);
        var message = Populate(descriptor, 0);
        string text = Prototxt.Write(message);
        var back = (IMessage)Activator.CreateInstance(descriptor.ClrType)!;
        Prototxt.Merge(text, back, fullName);
        Assert.That(back.ToByteArray(), Is.EqualTo(message.ToByteArray()), text);
    }

    [Test]
    public void SchemaHasEveryLayerParameterFieldOfTheFactSheet()
    {
        string[] expected =
        [
            "transform_param", "loss_param", "accuracy_param", "argmax_param", "batch_norm_param", "bias_param", "clip_param",
            "concat_param", "contrastive_loss_param", "convolution_param", "crop_param", "data_param", "dropout_param",
            "dummy_data_param", "eltwise_param", "elu_param", "embed_param", "exp_param", "flatten_param", "hdf5_data_param",
            "hdf5_output_param", "hinge_loss_param", "image_data_param", "infogain_loss_param", "inner_product_param",
            "input_param", "log_param", "lrn_param", "memory_data_param", "mvn_param", "parameter_param", "pooling_param",
            "power_param", "prelu_param", "python_param", "recurrent_param", "reduction_param", "relu_param", "reshape_param",
            "scale_param", "sigmoid_param", "softmax_param", "spp_param", "slice_param", "swish_param", "tanh_param",
            "threshold_param", "tile_param", "window_data_param",
        ];
        var names = LayerParameter.Descriptor.Fields.InDeclarationOrder().Select(f => f.Name).ToHashSet();
        Assert.That(expected.Where(n => !names.Contains(n)), Is.Empty);
        Assert.That(LayerParameter.Descriptor.FindFieldByName("clip_param").FieldNumber, Is.EqualTo(148));
        Assert.That(LayerParameter.Descriptor.FindFieldByName("window_data_param").FieldNumber, Is.EqualTo(129));
        Assert.That(NetParameter.Descriptor.FindFieldByName("layers").FieldNumber, Is.EqualTo(2));
        Assert.That(V1LayerParameter.Descriptor.FindFieldByName("blobs").FieldNumber, Is.EqualTo(6));
        Assert.That(V0LayerParameter.Descriptor.FindFieldByName("blobs").FieldNumber, Is.EqualTo(50));
        Assert.That(SolverParameter.Descriptor.Fields.InDeclarationOrder().Count(f => f.FieldNumber < 1000), Is.EqualTo(42));
    }
}
