using Engine.Formats;
using Engine.Proto;
using Google.Protobuf;
using NUnit.Framework;

namespace Engine.Tests.Formats;

public class PrototxtGrammarTests
{
    private static NetParameter Net(string text) => Prototxt.Parse<NetParameter>(text, "net.prototxt");

    [Test]
    public void CommentsAndWhitespaceAreIgnored()
    {
        var net = Net("# header\nname: \"x\" # trailing\n\n  # only comment\nforce_backward: true\n");
        Assert.That(net.Name, Is.EqualTo("x"));
        Assert.That(net.ForceBackward, Is.True);
    }

    [Test]
    public void NestedMessagesAcceptBraceColonBraceAndAngleBrackets()
    {
        var net = Net("layer { name: 'a' } layer: { name: 'b' } layer < name: 'c' > layer: < name: 'd' >");
        Assert.That(net.Layer.Select(l => l.Name), Is.EqualTo(new[] { "a", "b", "c", "d" }));
    }

    [Test]
    public void EmptyNestedMessageIsSetButEmpty()
    {
        var layer = Prototxt.Parse<LayerParameter>("dropout_param: { } relu_param { }");
        Assert.That(layer.DropoutParam, Is.Not.Null);
        Assert.That(layer.ReluParam, Is.Not.Null);
        Assert.That(layer.DropoutParam.HasDropoutRatio, Is.False);
        Assert.That(layer.DropoutParam.DropoutRatio, Is.EqualTo(0.5f));
    }

    [TestCase("\"plain\"", "plain")]
    [TestCase("'single'", "single")]
    [TestCase("\"a\\nb\\tc\"", "a\nb\tc")]
    [TestCase("'it\\'s'", "it's")]
    [TestCase("\"say \\\"hi\\\"\"", "say \"hi\"")]
    [TestCase("\"back\\\\slash\"", "back\\slash")]
    [TestCase("\"\\101\\102\\103\"", "ABC")]
    [TestCase("\"\\x41\\x4a\"", "AJ")]
    [TestCase("\"con\" 'cat' \"enated\"", "concatenated")]
    [TestCase("\"mixed 'quotes' inside\"", "mixed 'quotes' inside")]
    [TestCase("\"\\303\\251t\\303\\251\"", "été")]
    [TestCase("\"été\"", "été")]
    public void StringLiteralsDecodeEscapes(string literal, string expected)
    {
        Assert.That(Net("name: " + literal).Name, Is.EqualTo(expected));
    }

    [Test]
    public void BytesFieldKeepsRawBytes()
    {
        var datum = Prototxt.Parse<Datum>("data: \"\\000\\377\\x10A\"");
        Assert.That(datum.Data.ToByteArray(), Is.EqualTo(new byte[] { 0, 255, 16, 65 }));
    }

    [TestCase("1e-4", 1e-4f)]
    [TestCase("1E-4", 1e-4f)]
    [TestCase("-2.5", -2.5f)]
    [TestCase("1.0f", 1f)]
    [TestCase("1f", 1f)]
    [TestCase("0.", 0f)]
    [TestCase(".5", 0.5f)]
    [TestCase("-.25", -0.25f)]
    [TestCase("3", 3f)]
    [TestCase("0x1F", 31f)]
    [TestCase("2.5e+2", 250f)]
    public void FloatLiterals(string literal, float expected)
    {
        var filler = Prototxt.Parse<FillerParameter>("value: " + literal);
        Assert.That(filler.Value, Is.EqualTo(expected));
        Assert.That(filler.HasValue, Is.True);
    }

    [Test]
    public void FloatSpecialValues()
    {
        Assert.That(Prototxt.Parse<FillerParameter>("value: inf").Value, Is.EqualTo(float.PositiveInfinity));
        Assert.That(Prototxt.Parse<FillerParameter>("value: -inf").Value, Is.EqualTo(float.NegativeInfinity));
        Assert.That(Prototxt.Parse<FillerParameter>("value: Infinity").Value, Is.EqualTo(float.PositiveInfinity));
        Assert.That(float.IsNaN(Prototxt.Parse<FillerParameter>("value: nan").Value), Is.True);
        Assert.That(Prototxt.Parse<BlobProto>("double_data: -inf double_data: 1e300").DoubleData, Is.EqualTo(new[] { double.NegativeInfinity, 1e300 }));
    }

    [TestCase("42", 42)]
    [TestCase("-7", -7)]
    [TestCase("0x1F", 31)]
    [TestCase("0X10", 16)]
    [TestCase("017", 15)]
    [TestCase("0", 0)]
    [TestCase("-2147483648", int.MinValue)]
    public void IntegerLiterals(string literal, int expected)
    {
        Assert.That(Prototxt.Parse<FillerParameter>("sparse: " + literal).Sparse, Is.EqualTo(expected));
    }

    [Test]
    public void Int64AndUnsignedRanges()
    {
        Assert.That(Prototxt.Parse<BlobShape>("dim: 9223372036854775807 dim: -9223372036854775808").Dim,
            Is.EqualTo(new[] { long.MaxValue, long.MinValue }));
        Assert.That(Prototxt.Parse<ConvolutionParameter>("num_output: 4294967295").NumOutput, Is.EqualTo(uint.MaxValue));
        var ex = Assert.Throws<PrototxtException>(() => Prototxt.Parse<ConvolutionParameter>("num_output: 4294967296"))!;
        Assert.That(ex.Message, Does.Contain("num_output"));
        Assert.Throws<PrototxtException>(() => Prototxt.Parse<ConvolutionParameter>("num_output: -1"));
        Assert.Throws<PrototxtException>(() => Prototxt.Parse<FillerParameter>("sparse: 2147483648"));
        Assert.Throws<PrototxtException>(() => Prototxt.Parse<FillerParameter>("sparse: 1.5"));
    }

    [TestCase("true", true)]
    [TestCase("false", false)]
    [TestCase("t", true)]
    [TestCase("f", false)]
    [TestCase("1", true)]
    [TestCase("0", false)]
    [TestCase("True", true)]
    public void BoolLiterals(string literal, bool expected)
    {
        var net = Net("force_backward: " + literal);
        Assert.That(net.ForceBackward, Is.EqualTo(expected));
        Assert.That(net.HasForceBackward, Is.True);
    }

    [Test]
    public void BoolRejectsOtherValues()
    {
        var ex = Assert.Throws<PrototxtException>(() => Net("force_backward: yes"))!;
        Assert.That(ex.Message, Is.EqualTo("net.prototxt:1:17: expected true, false, t, f, 1 or 0 for bool field 'force_backward', found 'yes'"));
    }

    [Test]
    public void EnumsByNameAndNumber()
    {
        Assert.That(Prototxt.Parse<PoolingParameter>("pool: AVE").Pool, Is.EqualTo(PoolingParameter.Types.PoolMethod.Ave));
        Assert.That(Prototxt.Parse<PoolingParameter>("pool: 2").Pool, Is.EqualTo(PoolingParameter.Types.PoolMethod.Stochastic));
        Assert.That(Prototxt.Parse<HingeLossParameter>("norm: L2").Norm, Is.EqualTo(HingeLossParameter.Types.Norm.L2));
        var ex = Assert.Throws<PrototxtException>(() => Prototxt.Parse<PoolingParameter>("pool: MEDIAN", "p.txt"))!;
        Assert.That(ex.Message, Does.StartWith("p.txt:1:7: expected a value of enum caffe.PoolingParameter.PoolMethod (MAX, AVE, STOCHASTIC)"));
        Assert.That(ex.Message, Does.EndWith("found 'MEDIAN'"));
        Assert.Throws<PrototxtException>(() => Prototxt.Parse<PoolingParameter>("pool: 7"));
        Assert.Throws<PrototxtException>(() => Prototxt.Parse<PoolingParameter>("pool: \"MAX\""));
    }

    [Test]
    public void RepeatedFieldsByRepetitionAndLists()
    {
        var shape = Prototxt.Parse<BlobShape>("dim: 1 dim: 3\ndim: [224, 0x10]\ndim: []");
        Assert.That(shape.Dim, Is.EqualTo(new long[] { 1, 3, 224, 16 }));
        var net = Net("input: ['a', \"b\"] layer: [{ name: 'x' }, { name: 'y' }] layer [ < name: 'z' > ]");
        Assert.That(net.Input, Is.EqualTo(new[] { "a", "b" }));
        Assert.That(net.Layer.Select(l => l.Name), Is.EqualTo(new[] { "x", "y", "z" }));
    }

    [Test]
    public void FieldOrderIsFreeAndSeparatorsAreOptional()
    {
        var a = Net("layer { top: 't'; name: 'n', type: 'ReLU' bottom: 'b'; } name: 'net';");
        var b = Net("name: 'net' layer { name: 'n' type: 'ReLU' bottom: 'b' top: 't' }");
        Assert.That(a, Is.EqualTo(b));
    }

    [Test]
    public void WholeNetOnOneLine()
    {
        var net = Net("name:'n' layer{name:'d' type:'Input' top:'x' input_param{shape{dim:1 dim:2}}} layer{name:'r' type:'ReLU' bottom:'x' top:'x'}");
        Assert.That(net.Layer, Has.Count.EqualTo(2));
        Assert.That(net.Layer[0].InputParam.Shape[0].Dim, Is.EqualTo(new long[] { 1, 2 }));
    }

    [Test]
    public void UnsetFieldsReadDeclaredDefaults()
    {
        var conv = Prototxt.Parse<ConvolutionParameter>("num_output: 8");
        Assert.That(conv.BiasTerm, Is.True);
        Assert.That(conv.HasBiasTerm, Is.False);
        Assert.That(conv.Group, Is.EqualTo(1u));
        var solver = Prototxt.Parse<SolverParameter>("base_lr: 0.01");
        Assert.That(solver.Type, Is.EqualTo("SGD"));
        Assert.That(solver.Delta, Is.EqualTo(1e-8f));
        Assert.That(solver.RandomSeed, Is.EqualTo(-1L));
        Assert.That(solver.SolverMode, Is.EqualTo(SolverParameter.Types.SolverMode.Gpu));
        Assert.That(new NetState().Phase, Is.EqualTo(Phase.Test));
        Assert.That(new FillerParameter().Type, Is.EqualTo("constant"));
    }

    [Test]
    public void ExplicitDefaultIsPreservedThroughWriteAndParse()
    {
        var conv = Prototxt.Parse<ConvolutionParameter>("bias_term: true group: 1");
        Assert.That(conv.HasBiasTerm && conv.HasGroup, Is.True);
        string text = Prototxt.Write(conv);
        Assert.That(text, Does.Contain("bias_term: true"));
        Assert.That(text, Does.Contain("group: 1"));
        var again = Prototxt.Parse<ConvolutionParameter>(text);
        Assert.That(again.HasBiasTerm && again.HasGroup, Is.True);
        Assert.That(again.ToByteArray(), Is.EqualTo(conv.ToByteArray()));
    }

    [Test]
    public void RequiredFieldsMustBePresent()
    {
        var clip = Prototxt.Parse<LayerParameter>("clip_param { min: -1 max: 1 }").ClipParam;
        Assert.That((clip.Min, clip.Max), Is.EqualTo((-1f, 1f)));
        var ex = Assert.Throws<PrototxtException>(() => Net("layer {\n  clip_param { min: 0 }\n}"))!;
        Assert.That(ex.Message, Is.EqualTo("net.prototxt:2:23: expected required field 'max' in caffe.ClipParameter, found '}'"));
        Assert.That((ex.Line, ex.Column, ex.File), Is.EqualTo((2, 23, "net.prototxt")));
    }

    [Test]
    public void SingularFieldTwiceIsAnError()
    {
        var ex = Assert.Throws<PrototxtException>(() => Net("name: 'a'\nname: 'b'"))!;
        Assert.That((ex.Line, ex.Column), Is.EqualTo((2, 1)));
        Assert.That(ex.Message, Does.Contain("'name'"));
        Assert.Throws<PrototxtException>(() => Net("state { } state { }"));
        Assert.Throws<PrototxtException>(() => Net("name: ['a']"));
    }

    [Test]
    public void PrototxtExceptionIsAFormatException()
    {
        Assert.That(typeof(FormatException).IsAssignableFrom(typeof(PrototxtException)), Is.True);
    }
}

public class PrototxtLexicalEdgeTests
{
    [Test]
    public void HashInsideStringIsNotAComment()
    {
        Assert.That(Prototxt.Parse<NetParameter>("name: \"a#b\" # real comment").Name, Is.EqualTo("a#b"));
    }

    [Test]
    public void ByteOrderMarkAndCrLfAreAccepted()
    {
        var net = Prototxt.Parse<NetParameter>("\uFEFFname: 'x'\r\nforce_backward: true\r\n");
        Assert.That((net.Name, net.ForceBackward), Is.EqualTo(("x", true)));
        var ex = Assert.Throws<PrototxtException>(() => Prototxt.Parse<NetParameter>("\uFEFFname: 'x'\r\n  bogus: 1\r\n"))!;
        Assert.That((ex.Line, ex.Column), Is.EqualTo((2, 3)));
    }

    [Test]
    public void MergeOverwritesSingularAndAppendsRepeated()
    {
        var net = Prototxt.Parse<NetParameter>("name: 'a' input: 'x'");
        Prototxt.Merge("name: 'b' input: 'y'", net);
        Assert.That(net.Name, Is.EqualTo("b"));
        Assert.That(net.Input, Is.EqualTo(new[] { "x", "y" }));
    }
}
