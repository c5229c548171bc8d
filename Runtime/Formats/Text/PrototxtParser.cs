using System.Collections;
using System.Globalization;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Engine.Formats;

/// <summary>
/// Generic protobuf text-format parser driven by message descriptors, so one implementation covers every
/// message type of the schema. Follows the rules of Google's TextFormat::Parse (the reader Caffe uses):
/// unknown fields and repeated non-repeated fields are errors, required fields must be present.
/// </summary>
internal sealed class PrototxtParser
{
    /// <summary>Deepest nesting of messages accepted; deeper input is refused instead of exhausting the stack.</summary>
    internal const int MaxDepth = 100;

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    private readonly PrototxtTokenizer _tokens;
    private int _depth;

    public PrototxtParser(string text, string file)
    {
        _tokens = new PrototxtTokenizer(text, file);
    }

    public void ParseDocument(IMessage message)
    {
        ParseFields(message, closer: null);
    }

    private void ParseFields(IMessage message, char? closer)
    {
        var seen = new HashSet<int>();
        while (true)
        {
            var t = _tokens.Peek();
            if (closer is { } close && t.IsSymbol(close))
            {
                CheckRequired(message, t);
                _tokens.Next();
                return;
            }

            if (t.Kind == TokenKind.End)
            {
                if (closer is { } c)
                {
                    throw _tokens.Error(t, $"expected field name or '{c}' closing {message.Descriptor.FullName}, found end of file");
                }

                CheckRequired(message, t);
                return;
            }

            ParseField(message, seen);
        }
    }

    private void CheckRequired(IMessage message, Token at)
    {
        foreach (var field in message.Descriptor.Fields.InDeclarationOrder())
        {
            if (field.IsRequired && !field.Accessor.HasValue(message))
            {
                throw _tokens.Error(at, $"expected required field '{field.Name}' in {message.Descriptor.FullName}, found {at.Describe()}");
            }
        }
    }

    private void ParseField(IMessage message, HashSet<int> seen)
    {
        var nameToken = _tokens.Next();
        if (nameToken.Kind != TokenKind.Identifier)
        {
            throw _tokens.Error(nameToken, $"expected field name of {message.Descriptor.FullName}, found {nameToken.Describe()}");
        }

        var descriptor = message.Descriptor;
        var field = descriptor.FindFieldByName(nameToken.Text)
            ?? throw _tokens.Error(nameToken, UnknownFieldReason(descriptor, nameToken.Text));

        if (!field.IsRepeated && !seen.Add(field.FieldNumber))
        {
            throw _tokens.Error(nameToken, $"expected non-repeated field '{field.Name}' of {descriptor.FullName} at most once, found it again");
        }

        if (field.IsMap)
        {
            throw _tokens.Error(nameToken, $"expected a non-map field (map fields are not supported), found map field '{field.Name}'");
        }

        bool isMessage = field.FieldType is FieldType.Message or FieldType.Group;
        bool colon = TryConsume(':');
        if (!colon && !isMessage)
        {
            var t = _tokens.Peek();
            throw _tokens.Error(t, $"expected ':' after field '{field.Name}', found {t.Describe()}");
        }

        if (_tokens.Peek().IsSymbol('['))
        {
            var open = _tokens.Next();
            if (!field.IsRepeated)
            {
                throw _tokens.Error(open, $"expected a single value for non-repeated field '{field.Name}', found '['");
            }

            if (!TryConsume(']'))
            {
                while (true)
                {
                    ParseValue(message, field);
                    var sep = _tokens.Next();
                    if (sep.IsSymbol(']'))
                    {
                        break;
                    }

                    if (!sep.IsSymbol(','))
                    {
                        throw _tokens.Error(sep, $"expected ',' or ']' in list of '{field.Name}', found {sep.Describe()}");
                    }
                }
            }
        }
        else
        {
            ParseValue(message, field);
        }

        if (!TryConsume(';'))
        {
            TryConsume(',');
        }
    }

    private void ParseValue(IMessage message, FieldDescriptor field)
    {
        if (field.FieldType is FieldType.Message or FieldType.Group)
        {
            var open = _tokens.Next();
            char closer;
            if (open.IsSymbol('{'))
            {
                closer = '}';
            }
            else if (open.IsSymbol('<'))
            {
                closer = '>';
            }
            else
            {
                throw _tokens.Error(open, $"expected '{{' or '<' to open {field.MessageType.FullName} '{field.Name}', found {open.Describe()}");
            }

            if (_depth >= MaxDepth)
            {
                throw _tokens.Error(open, $"expected at most {MaxDepth} levels of nested messages, found deeper nesting");
            }

            var child = (IMessage)Activator.CreateInstance(field.MessageType.ClrType)!;
            if (field.IsRepeated)
            {
                ((IList)field.Accessor.GetValue(message)).Add(child);
            }
            else
            {
                field.Accessor.SetValue(message, child);
            }

            _depth++;
            ParseFields(child, closer);
            _depth--;
            return;
        }

        object value = ParseScalar(field);
        if (field.IsRepeated)
        {
            ((IList)field.Accessor.GetValue(message)).Add(value);
        }
        else
        {
            field.Accessor.SetValue(message, value);
        }
    }

    private object ParseScalar(FieldDescriptor field)
    {
        switch (field.FieldType)
        {
            case FieldType.Int32:
            case FieldType.SInt32:
            case FieldType.SFixed32:
                return (int)ParseSignedInteger(field, int.MinValue, int.MaxValue);
            case FieldType.Int64:
            case FieldType.SInt64:
            case FieldType.SFixed64:
                return ParseSignedInteger(field, long.MinValue, long.MaxValue);
            case FieldType.UInt32:
            case FieldType.Fixed32:
                return (uint)ParseUnsignedInteger(field, uint.MaxValue);
            case FieldType.UInt64:
            case FieldType.Fixed64:
                return ParseUnsignedInteger(field, ulong.MaxValue);
            case FieldType.Float:
                return (float)ParseReal(field, isFloat: true);
            case FieldType.Double:
                return ParseReal(field, isFloat: false);
            case FieldType.Bool:
                return ParseBool(field);
            case FieldType.String:
            {
                var (bytes, first) = ParseStringBytes(field);
                try
                {
                    return StrictUtf8.GetString(bytes);
                }
                catch (DecoderFallbackException)
                {
                    throw _tokens.Error(first, $"expected valid UTF-8 text for string field '{field.Name}', found invalid bytes");
                }
            }

            case FieldType.Bytes:
                return ByteString.CopyFrom(ParseStringBytes(field).Bytes);
            case FieldType.Enum:
                return ParseEnum(field);
            default:
                throw new NotSupportedException($"field type {field.FieldType} of '{field.FullName}' is not supported by the text parser");
        }
    }

    private (byte[] Bytes, Token First) ParseStringBytes(FieldDescriptor field)
    {
        var first = _tokens.Next();
        if (first.Kind != TokenKind.String)
        {
            throw _tokens.Error(first, $"expected quoted string for field '{field.Name}', found {first.Describe()}");
        }

        if (_tokens.Peek().Kind != TokenKind.String)
        {
            return (first.Bytes!, first);
        }

        // Adjacent literals concatenate, as in C.
        var all = new List<byte>(first.Bytes!);
        while (_tokens.Peek().Kind == TokenKind.String)
        {
            all.AddRange(_tokens.Next().Bytes!);
        }

        return (all.ToArray(), first);
    }

    private bool TryConsume(char symbol)
    {
        if (_tokens.Peek().IsSymbol(symbol))
        {
            _tokens.Next();
            return true;
        }

        return false;
    }

    private static string TypeName(FieldDescriptor field) => field.FieldType.ToString().ToLowerInvariant();

    /// <summary>Parses an integer token (decimal, 0x hex, 0 octal) into its magnitude.</summary>
    private ulong ParseMagnitude(Token t, FieldDescriptor field, bool negative)
    {
        if (t.Kind != TokenKind.Integer)
        {
            throw _tokens.Error(t, $"expected {TypeName(field)} integer for field '{field.Name}', found {(negative ? "'-' " : "")}{t.Describe()}");
        }

        string s = t.Text;
        try
        {
            if (s.Length > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
            {
                return ulong.Parse(s.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
            }

            if (s.Length > 1 && s[0] == '0')
            {
                return Convert.ToUInt64(s, 8);
            }

            return ulong.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture);
        }
        catch (OverflowException)
        {
            throw _tokens.Error(t, $"expected {TypeName(field)} within range for field '{field.Name}', found {t.Describe()}");
        }
    }

    private long ParseSignedInteger(FieldDescriptor field, long min, long max)
    {
        bool negative = TryConsume('-');
        var t = _tokens.Next();
        ulong magnitude = ParseMagnitude(t, field, negative);
        bool inRange = negative ? magnitude <= (ulong)max + 1 && (magnitude == 0 || -(decimal)magnitude >= min) : magnitude <= (ulong)max;
        if (!inRange)
        {
            throw _tokens.Error(t, $"expected {TypeName(field)} in [{min}, {max}] for field '{field.Name}', found {(negative ? "-" : "")}{t.Text}");
        }

        return negative ? (long)(0 - magnitude) : (long)magnitude;
    }

    private ulong ParseUnsignedInteger(FieldDescriptor field, ulong max)
    {
        var t = _tokens.Next();
        if (t.IsSymbol('-'))
        {
            throw _tokens.Error(t, $"expected non-negative {TypeName(field)} for field '{field.Name}', found '-'");
        }

        ulong value = ParseMagnitude(t, field, negative: false);
        if (value > max)
        {
            throw _tokens.Error(t, $"expected {TypeName(field)} in [0, {max}] for field '{field.Name}', found {t.Text}");
        }

        return value;
    }

    private double ParseReal(FieldDescriptor field, bool isFloat)
    {
        bool negative = TryConsume('-');
        var t = _tokens.Next();
        double value;
        switch (t.Kind)
        {
            case TokenKind.Float:
            {
                string s = t.Text.TrimEnd('f', 'F');
                // Parse floats directly as float so that the shortest round-trip text maps back to the same bits.
                value = isFloat
                    ? float.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture)
                    : double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);
                break;
            }

            case TokenKind.Integer:
            {
                string s = t.Text;
                bool decimalLiteral = !(s.Length > 1 && s[0] == '0');
                value = decimalLiteral
                    ? (isFloat
                        ? float.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture)
                        : double.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture))
                    : ParseMagnitude(t, field, negative);
                break;
            }

            case TokenKind.Identifier:
                switch (t.Text.ToLowerInvariant())
                {
                    case "inf":
                    case "infinity":
                        value = double.PositiveInfinity;
                        break;
                    case "nan":
                        value = double.NaN;
                        break;
                    default:
                        throw _tokens.Error(t, $"expected number for {TypeName(field)} field '{field.Name}', found {t.Describe()}");
                }

                break;
            default:
                throw _tokens.Error(t, $"expected number for {TypeName(field)} field '{field.Name}', found {(negative ? "'-' " : "")}{t.Describe()}");
        }

        return negative ? -value : value;
    }

    private bool ParseBool(FieldDescriptor field)
    {
        var t = _tokens.Next();
        if (t.Kind == TokenKind.Identifier)
        {
            switch (t.Text)
            {
                case "true" or "True" or "t":
                    return true;
                case "false" or "False" or "f":
                    return false;
            }
        }
        else if (t.Kind == TokenKind.Integer && t.Text is "0" or "1")
        {
            return t.Text == "1";
        }

        throw _tokens.Error(t, $"expected true, false, t, f, 1 or 0 for bool field '{field.Name}', found {t.Describe()}");
    }

    private object ParseEnum(FieldDescriptor field)
    {
        var enumType = field.EnumType;
        bool negative = TryConsume('-');
        var t = _tokens.Next();
        EnumValueDescriptor? value = null;
        if (t.Kind == TokenKind.Identifier && !negative)
        {
            value = enumType.FindValueByName(t.Text);
        }
        else if (t.Kind == TokenKind.Integer)
        {
            ulong magnitude = ParseMagnitude(t, field, negative);
            if (magnitude <= int.MaxValue)
            {
                value = enumType.FindValueByNumber(negative ? -(int)magnitude : (int)magnitude);
            }
        }

        if (value is null)
        {
            string names = string.Join(", ", enumType.Values.Select(v => v.Name));
            throw _tokens.Error(t, $"expected a value of enum {enumType.FullName} ({names}) for field '{field.Name}', found {(negative ? "'-' " : "")}{t.Describe()}");
        }

        return Enum.ToObject(enumType.ClrType, value.Number);
    }

    private static string UnknownFieldReason(MessageDescriptor descriptor, string name)
    {
        var suggestions = FieldNameSuggester.Suggest(name, descriptor.Fields.InDeclarationOrder().Select(f => f.Name));
        string hint = suggestions.Count == 0
            ? ""
            : $" (did you mean {string.Join(" or ", suggestions.Select(s => $"'{s}'"))}?)";
        return $"expected a field of {descriptor.FullName}, found unknown field '{name}'{hint}";
    }
}
