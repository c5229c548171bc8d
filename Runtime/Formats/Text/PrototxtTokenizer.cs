using System.Text;

namespace Engine.Formats;

internal enum TokenKind
{
    End,
    Identifier,
    Integer,
    Float,
    String,
    Symbol,
}

/// <summary>One lexical token; <see cref="Bytes"/> holds the unescaped contents of a string literal.</summary>
internal readonly record struct Token(TokenKind Kind, string Text, int Line, int Column, byte[]? Bytes = null)
{
    public bool IsSymbol(char c) => Kind == TokenKind.Symbol && Text.Length == 1 && Text[0] == c;

    /// <summary>How the token is named in "found ..." diagnostics.</summary>
    public string Describe() => Kind switch
    {
        TokenKind.End => "end of file",
        TokenKind.String => $"string {Shorten(Text)}",
        TokenKind.Integer or TokenKind.Float => $"number '{Shorten(Text)}'",
        _ => $"'{Shorten(Text)}'",
    };

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..37] + "...";
}

/// <summary>
/// Splits protobuf text format into tokens the way Google's tokenizer does: <c>#</c> comments, identifiers,
/// decimal/octal/hex integers, floats (including <c>1.</c>, <c>.5</c>, <c>1e-4</c> and an <c>f</c> suffix),
/// single- or double-quoted strings with C escapes, and one-character symbols. A minus sign is a separate symbol.
/// </summary>
internal sealed class PrototxtTokenizer
{
    private readonly string _text;
    private readonly string _file;
    private int _pos;
    private int _line = 1;
    private int _column = 1;
    private Token? _peeked;

    public PrototxtTokenizer(string text, string file)
    {
        _text = text;
        _file = file;
        // A UTF-8 byte-order mark (left in place when text did not come through File.ReadAllText) is not content.
        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            _pos = 1;
        }
    }

    public string File => _file;

    public Token Peek() => _peeked ??= Scan();

    public Token Next()
    {
        var t = Peek();
        _peeked = null;
        return t;
    }

    public PrototxtException Error(Token at, string reason) => new(_file, at.Line, at.Column, reason);

    private PrototxtException ErrorHere(string reason) => new(_file, _line, _column, reason);

    private char Cur => _pos < _text.Length ? _text[_pos] : '\0';

    private char At(int offset) => _pos + offset < _text.Length ? _text[_pos + offset] : '\0';

    private void Advance()
    {
        if (_text[_pos] == '\n')
        {
            _line++;
            _column = 1;
        }
        else
        {
            _column++;
        }

        _pos++;
    }

    private void SkipWhitespaceAndComments()
    {
        while (_pos < _text.Length)
        {
            char c = _text[_pos];
            if (c == '#')
            {
                while (_pos < _text.Length && _text[_pos] != '\n')
                {
                    Advance();
                }
            }
            else if (char.IsWhiteSpace(c))
            {
                Advance();
            }
            else
            {
                return;
            }
        }
    }

    private Token Scan()
    {
        SkipWhitespaceAndComments();
        int line = _line, column = _column, start = _pos;
        if (_pos >= _text.Length)
        {
            return new Token(TokenKind.End, "", line, column);
        }

        char c = Cur;
        if (IsLetter(c))
        {
            while (IsLetter(Cur) || char.IsAsciiDigit(Cur))
            {
                Advance();
            }

            return new Token(TokenKind.Identifier, _text[start.._pos], line, column);
        }

        if (char.IsAsciiDigit(c) || (c == '.' && char.IsAsciiDigit(At(1))))
        {
            return ScanNumber(line, column);
        }

        if (c == '"' || c == '\'')
        {
            return ScanString(line, column);
        }

        Advance();
        return new Token(TokenKind.Symbol, c.ToString(), line, column);
    }

    private static bool IsLetter(char c) => char.IsAsciiLetter(c) || c == '_';

    private Token ScanNumber(int line, int column)
    {
        int start = _pos;
        bool isFloat = false;
        if (Cur == '0' && (At(1) == 'x' || At(1) == 'X'))
        {
            Advance();
            Advance();
            if (!char.IsAsciiHexDigit(Cur))
            {
                throw ErrorHere($"expected hex digits after '0x', found {DescribeChar(Cur)}");
            }

            while (char.IsAsciiHexDigit(Cur))
            {
                Advance();
            }
        }
        else
        {
            while (char.IsAsciiDigit(Cur))
            {
                Advance();
            }

            if (Cur == '.')
            {
                isFloat = true;
                Advance();
                while (char.IsAsciiDigit(Cur))
                {
                    Advance();
                }
            }

            if (Cur == 'e' || Cur == 'E')
            {
                isFloat = true;
                Advance();
                if (Cur == '+' || Cur == '-')
                {
                    Advance();
                }

                if (!char.IsAsciiDigit(Cur))
                {
                    throw ErrorHere($"expected exponent digits, found {DescribeChar(Cur)}");
                }

                while (char.IsAsciiDigit(Cur))
                {
                    Advance();
                }
            }

            if (Cur == 'f' || Cur == 'F')
            {
                isFloat = true;
                Advance();
            }
        }

        if (IsLetter(Cur) || char.IsAsciiDigit(Cur) || Cur == '.')
        {
            throw ErrorHere($"expected whitespace or a separator after number, found {DescribeChar(Cur)}");
        }

        string text = _text[start.._pos];
        if (!isFloat && text.Length > 1 && text[0] == '0' && text[1] is not ('x' or 'X'))
        {
            foreach (char d in text)
            {
                if (d > '7')
                {
                    throw new PrototxtException(_file, line, column, $"expected octal digits in '{text}' (leading 0 means octal), found '{d}'");
                }
            }
        }

        return new Token(isFloat ? TokenKind.Float : TokenKind.Integer, text, line, column);
    }

    private Token ScanString(int line, int column)
    {
        int start = _pos;
        char quote = Cur;
        Advance();
        var bytes = new List<byte>();
        Span<byte> utf8 = stackalloc byte[4];
        while (true)
        {
            if (_pos >= _text.Length || Cur == '\n')
            {
                throw new PrototxtException(_file, line, column, $"expected closing {quote} of string, found {(Cur == '\n' ? "end of line" : "end of file")}");
            }

            char c = Cur;
            if (c == quote)
            {
                Advance();
                break;
            }

            if (c != '\\')
            {
                int len;
                if (char.IsHighSurrogate(c) && char.IsLowSurrogate(At(1)))
                {
                    len = new Rune(c, At(1)).EncodeToUtf8(utf8);
                    Advance();
                }
                else
                {
                    len = new Rune(char.IsSurrogate(c) ? '\uFFFD' : c).EncodeToUtf8(utf8);
                }

                Advance();
                for (int i = 0; i < len; i++)
                {
                    bytes.Add(utf8[i]);
                }

                continue;
            }

            int escLine = _line, escColumn = _column;
            Advance();
            char e = Cur;
            if (_pos >= _text.Length)
            {
                continue;
            }

            Advance();
            switch (e)
            {
                case 'n': bytes.Add((byte)'\n'); break;
                case 't': bytes.Add((byte)'\t'); break;
                case 'r': bytes.Add((byte)'\r'); break;
                case 'a': bytes.Add(7); break;
                case 'b': bytes.Add(8); break;
                case 'f': bytes.Add(12); break;
                case 'v': bytes.Add(11); break;
                case '\\': bytes.Add((byte)'\\'); break;
                case '\'': bytes.Add((byte)'\''); break;
                case '"': bytes.Add((byte)'"'); break;
                case '?': bytes.Add((byte)'?'); break;
                case >= '0' and <= '7':
                {
                    int value = e - '0';
                    for (int i = 0; i < 2 && Cur is >= '0' and <= '7'; i++)
                    {
                        value = value * 8 + (Cur - '0');
                        Advance();
                    }

                    if (value > 255)
                    {
                        throw new PrototxtException(_file, escLine, escColumn, $"expected an octal escape up to \\377, found \\{Convert.ToString(value, 8)}");
                    }

                    bytes.Add((byte)value);
                    break;
                }

                case 'x' or 'X':
                {
                    if (!char.IsAsciiHexDigit(Cur))
                    {
                        throw new PrototxtException(_file, escLine, escColumn, $"expected hex digits after \\x, found {DescribeChar(Cur)}");
                    }

                    int value = 0;
                    for (int i = 0; i < 2 && char.IsAsciiHexDigit(Cur); i++)
                    {
                        value = value * 16 + Convert.ToInt32(Cur.ToString(), 16);
                        Advance();
                    }

                    bytes.Add((byte)value);
                    break;
                }

                case 'u' or 'U':
                {
                    int digits = e == 'u' ? 4 : 8;
                    int value = 0;
                    for (int i = 0; i < digits; i++)
                    {
                        if (!char.IsAsciiHexDigit(Cur))
                        {
                            throw new PrototxtException(_file, escLine, escColumn, $"expected {digits} hex digits after \\{e}, found {DescribeChar(Cur)}");
                        }

                        value = value * 16 + Convert.ToInt32(Cur.ToString(), 16);
                        Advance();
                    }

                    if (!Rune.IsValid(value))
                    {
                        throw new PrototxtException(_file, escLine, escColumn, $"expected a Unicode scalar value, found \\{e}{value:X}");
                    }

                    int len = new Rune(value).EncodeToUtf8(utf8);
                    for (int i = 0; i < len; i++)
                    {
                        bytes.Add(utf8[i]);
                    }

                    break;
                }

                default:
                    throw new PrototxtException(_file, escLine, escColumn, $"expected an escape sequence (\\n \\t \\\\ \\' \\\" \\ooo \\xHH ...), found '\\{e}'");
            }
        }

        return new Token(TokenKind.String, _text[start.._pos], line, column, bytes.ToArray());
    }

    private static string DescribeChar(char c) => c switch
    {
        '\0' => "end of file",
        '\n' => "end of line",
        _ => $"'{c}'",
    };
}
