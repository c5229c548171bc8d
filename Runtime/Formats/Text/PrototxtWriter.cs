using System.Collections;
using System.Globalization;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Engine.Formats;

/// <summary>Order in which <see cref="Prototxt.Write"/> emits the fields of a message.</summary>
public enum PrototxtFieldOrder
{
    /// <summary>
    /// Ascending field number: what Google's TextFormat printer (and therefore Caffe and pycaffe) emits,
    /// because protobuf reflection lists set fields by number.
    /// </summary>
    FieldNumber,

    /// <summary>Order of declaration in the .proto file (reads more naturally: name, type, bottom, top, ...).</summary>
    Declaration,
}

/// <summary>Emits canonical protobuf text format: two-space indentation, only fields that are set.</summary>
internal static class PrototxtWriter
{
    public static string Write(IMessage message, PrototxtFieldOrder order)
    {
        var sb = new StringBuilder();
        WriteFields(sb, message, 0, order);
        return sb.ToString();
    }

    private static void WriteFields(StringBuilder sb, IMessage message, int indent, PrototxtFieldOrder order)
    {
        var fields = order == PrototxtFieldOrder.FieldNumber
            ? message.Descriptor.Fields.InFieldNumberOrder()
            : message.Descriptor.Fields.InDeclarationOrder();
        foreach (var field in fields)
        {
            if (field.IsRepeated)
            {
                foreach (object? item in (IList)field.Accessor.GetValue(message))
                {
                    WriteField(sb, field, item!, indent, order);
                }
            }
            else if (IsSet(message, field))
            {
                WriteField(sb, field, field.Accessor.GetValue(message), indent, order);
            }
        }
    }

    private static bool IsSet(IMessage message, FieldDescriptor field)
    {
        if (field.FieldType is FieldType.Message or FieldType.Group)
        {
            return field.Accessor.GetValue(message) is not null;
        }

        if (field.HasPresence)
        {
            return field.Accessor.HasValue(message);
        }

        // Fields without presence (not used by this proto2 schema) are printed when non-default.
        object value = field.Accessor.GetValue(message);
        return value switch
        {
            string s => s.Length > 0,
            ByteString b => !b.IsEmpty,
            bool b => b,
            Enum e => Convert.ToInt32(e, CultureInfo.InvariantCulture) != 0,
            _ => Convert.ToDouble(value, CultureInfo.InvariantCulture) != 0,
        };
    }

    private static void WriteField(StringBuilder sb, FieldDescriptor field, object value, int indent, PrototxtFieldOrder order)
    {
        sb.Append(' ', indent * 2).Append(field.Name);
        if (field.FieldType is FieldType.Message or FieldType.Group)
        {
            sb.Append(" {\n");
            WriteFields(sb, (IMessage)value, indent + 1, order);
            sb.Append(' ', indent * 2).Append("}\n");
            return;
        }

        sb.Append(": ");
        AppendScalar(sb, field, value);
        sb.Append('\n');
    }

    private static void AppendScalar(StringBuilder sb, FieldDescriptor field, object value)
    {
        switch (value)
        {
            case float f:
                sb.Append(FormatFloat(f));
                break;
            case double d:
                sb.Append(FormatDouble(d));
                break;
            case bool b:
                sb.Append(b ? "true" : "false");
                break;
            case string s:
                AppendQuoted(sb, Encoding.UTF8.GetBytes(s), keepUtf8: true);
                break;
            case ByteString bytes:
                AppendQuoted(sb, bytes.Span, keepUtf8: false);
                break;
            case Enum e:
            {
                int number = Convert.ToInt32(e, CultureInfo.InvariantCulture);
                sb.Append(field.EnumType.FindValueByNumber(number)?.Name ?? number.ToString(CultureInfo.InvariantCulture));
                break;
            }

            default:
                sb.Append(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }

    /// <summary>Shortest text that parses back to the same float, in protobuf spelling (inf, nan, lower-case e).</summary>
    internal static string FormatFloat(float f)
    {
        if (float.IsNaN(f))
        {
            return "nan";
        }

        if (float.IsInfinity(f))
        {
            return f > 0 ? "inf" : "-inf";
        }

        return f.ToString("R", CultureInfo.InvariantCulture).Replace('E', 'e');
    }

    /// <summary>Shortest round-trip text of a double, in protobuf spelling.</summary>
    internal static string FormatDouble(double d)
    {
        if (double.IsNaN(d))
        {
            return "nan";
        }

        if (double.IsInfinity(d))
        {
            return d > 0 ? "inf" : "-inf";
        }

        return d.ToString("R", CultureInfo.InvariantCulture).Replace('E', 'e');
    }

    private static void AppendQuoted(StringBuilder sb, ReadOnlySpan<byte> bytes, bool keepUtf8)
    {
        sb.Append('"');
        for (int i = 0; i < bytes.Length; i++)
        {
            byte b = bytes[i];
            switch (b)
            {
                case (byte)'\n': sb.Append("\\n"); break;
                case (byte)'\r': sb.Append("\\r"); break;
                case (byte)'\t': sb.Append("\\t"); break;
                case (byte)'"': sb.Append("\\\""); break;
                case (byte)'\'': sb.Append("\\'"); break;
                case (byte)'\\': sb.Append("\\\\"); break;
                default:
                    if (b >= 0x20 && b < 0x7F)
                    {
                        sb.Append((char)b);
                    }
                    else if (b >= 0x80 && keepUtf8)
                    {
                        // Multi-byte UTF-8 sequence of a (valid) string: keep the characters readable.
                        int start = i;
                        while (i + 1 < bytes.Length && bytes[i + 1] >= 0x80 && (bytes[i + 1] & 0xC0) == 0x80)
                        {
                            i++;
                        }

                        sb.Append(Encoding.UTF8.GetString(bytes[start..(i + 1)]));
                    }
                    else
                    {
                        sb.Append('\\').Append(Convert.ToString(b, 8).PadLeft(3, '0'));
                    }

                    break;
            }
        }

        sb.Append('"');
    }
}
