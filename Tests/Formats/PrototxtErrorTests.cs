using Engine.Formats;
using Engine.Proto;
using NUnit.Framework;

namespace Engine.Tests.Formats;

public class PrototxtErrorTests
{
    private static PrototxtException Fail(string text) =>
        Assert.Throws<PrototxtException>(() => Prototxt.Parse<NetParameter>(text, "bad.prototxt"))!;

    [Test]
    public void MissingColonBeforeScalar()
    {
        var ex = Fail("name: 'n'\nlayer {\n  name 'x'\n}");
        Assert.That(ex.Message, Is.EqualTo("bad.prototxt:3:8: expected ':' after field 'name', found string 'x'"));
        Assert.That((ex.File, ex.Line, ex.Column), Is.EqualTo(("bad.prototxt", 3, 8)));
    }

    [Test]
    public void UnclosedMessageReportsEndOfFile()
    {
        var ex = Fail("layer {\n  name: 'x'\n");
        Assert.That(ex.Message, Is.EqualTo("bad.prototxt:3:1: expected field name or '}' closing caffe.LayerParameter, found end of file"));
    }

    [Test]
    public void MismatchedCloser()
    {
        var ex = Fail("layer < name: 'x' }");
        Assert.That((ex.Line, ex.Column), Is.EqualTo((1, 19)));
        Assert.That(ex.Message, Does.EndWith("found '}'"));
    }

    [Test]
    public void UnterminatedString()
    {
        var ex = Fail("name: \"abc\nlayer {}");
        Assert.That(ex.Message, Is.EqualTo("bad.prototxt:1:7: expected closing \" of string, found end of line"));
    }

    [Test]
    public void BadEscape()
    {
        var ex = Fail("name: 'a\\qb'");
        Assert.That(ex.Message, Does.StartWith("bad.prototxt:1:9: expected an escape sequence"));
        Assert.That(ex.Message, Does.EndWith("found '\\q'"));
    }

    [Test]
    public void WrongValueKindForField()
    {
        var ex = Fail("layer { name: 'c' type: 'Convolution' convolution_param { num_output: 'ten' } }");
        Assert.That(ex.Message, Is.EqualTo("bad.prototxt:1:71: expected uint32 integer for field 'num_output', found string 'ten'"));
        var ex2 = Fail("layer {\n\tloss_weight: abc\n}");
        Assert.That(ex2.Message, Is.EqualTo("bad.prototxt:2:15: expected number for float field 'loss_weight', found 'abc'"));
    }

    [Test]
    public void NumberGluedToIdentifier()
    {
        var ex = Fail("input_dim: 12ab");
        Assert.That((ex.Line, ex.Column), Is.EqualTo((1, 14)));
        Assert.That(ex.Message, Does.EndWith("found 'a'"));
    }

    [Test]
    public void BadOctalLiteral()
    {
        var ex = Fail("input_dim: 089");
        Assert.That(ex.Message, Does.StartWith("bad.prototxt:1:12: expected octal digits"));
    }

    [Test]
    public void UnexpectedSymbolWhereFieldNameExpected()
    {
        var ex = Fail("name: 'x'\n  = 3");
        Assert.That(ex.Message, Is.EqualTo("bad.prototxt:2:3: expected field name of caffe.NetParameter, found '='"));
    }

    [Test]
    public void MessageValueNeedsBrace()
    {
        var ex = Fail("state: 3");
        Assert.That(ex.Message, Is.EqualTo("bad.prototxt:1:8: expected '{' or '<' to open caffe.NetState 'state', found number '3'"));
    }

    [Test]
    public void ListNeedsCommaOrBracket()
    {
        var ex = Fail("input_dim: [1 2]");
        Assert.That(ex.Message, Is.EqualTo("bad.prototxt:1:15: expected ',' or ']' in list of 'input_dim', found number '2'"));
    }

    [Test]
    public void UnknownFieldNamesMessageTypeAndSuggestsNearestNames()
    {
        var ex = Fail("layer {\n  name: 'c'\n  convolution_param {\n    kernal_size: 3\n  }\n}");
        Assert.That(ex.Message, Is.EqualTo(
            "bad.prototxt:4:5: expected a field of caffe.ConvolutionParameter, found unknown field 'kernal_size' (did you mean 'kernel_size'?)"));
        Assert.That((ex.Line, ex.Column), Is.EqualTo((4, 5)));
    }

    [Test]
    public void UnknownFieldWithSeveralEquallyCloseSuggestions()
    {
        var ex = Assert.Throws<PrototxtException>(() => Prototxt.Parse<ConvolutionParameter>("pad_x: 1"))!;
        Assert.That(ex.Message, Does.Contain("caffe.ConvolutionParameter"));
        Assert.That(ex.Message, Does.Contain("'pad_h'"));
        Assert.That(ex.Message, Does.Contain("'pad_w'"));
    }

    [Test]
    public void UnknownFieldFarFromEverythingHasNoSuggestion()
    {
        var ex = Fail("completely_unrelated_thing: 1");
        Assert.That(ex.Message, Is.EqualTo("bad.prototxt:1:1: expected a field of caffe.NetParameter, found unknown field 'completely_unrelated_thing'"));
    }

    [Test]
    public void V1FieldInsideV2LayerSuggestsCloseName()
    {
        var ex = Fail("layer { name: 'x' blobs_lr: 1 }");
        Assert.That(ex.Message, Does.StartWith("bad.prototxt:1:19: expected a field of caffe.LayerParameter, found unknown field 'blobs_lr'"));
    }

    // Caffe's schema is not recursive, so the limit is exercised with protobuf's recursive Value/ListValue types.
    private static string Nested(int levels)
    {
        int pairs = levels / 2;
        return string.Concat(Enumerable.Repeat("list_value { values { ", pairs)) + string.Concat(Enumerable.Repeat("} } ", pairs));
    }

    [Test]
    public void NestingUpToTheLimitIsAccepted()
    {
        Assert.DoesNotThrow(() => Prototxt.Parse<Google.Protobuf.WellKnownTypes.Value>(Nested(100)));
    }

    [Test]
    public void NestingDeeperThanTheLimitIsRefusedWithPosition()
    {
        string text = Nested(102);
        int brace = -1;
        for (int i = 0; i < 101; i++)
        {
            brace = text.IndexOf('{', brace + 1);
        }

        var ex = Assert.Throws<PrototxtException>(() => Prototxt.Parse<Google.Protobuf.WellKnownTypes.Value>(text, "deep.txt"))!;
        Assert.That(ex.Message, Is.EqualTo($"deep.txt:1:{brace + 1}: expected at most 100 levels of nested messages, found deeper nesting"));
    }

    [Test]
    public void VeryDeepInputDoesNotOverflowTheStack()
    {
        Assert.Throws<PrototxtException>(() => Prototxt.Parse<Google.Protobuf.WellKnownTypes.Value>(Nested(200_000)));
    }
}
