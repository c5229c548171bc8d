using Engine.Editor.Commands;
using NUnit.Framework;

namespace Engine.Tests.Editor.Web;

/// <summary>Argument checks of <c>engine edit</c> (the serving itself is covered through <see cref="Engine.Editor.Web.EditorServer"/>).</summary>
[TestFixture]
public sealed class EditCommandTests
{
    [Test]
    public void MissingNetFileIsNamed()
    {
        var error = Assert.Throws<CliError>(() => new EditCommand().Run(["no-such-net.prototxt"], TextWriter.Null, TextWriter.Null));
        Assert.That(error!.Message, Does.Contain("no-such-net.prototxt"));
    }

    [Test]
    public void UnknownOptionIsRefusedWithASuggestion()
    {
        var error = Assert.Throws<CliError>(() => new EditCommand().Run(["net.prototxt", "--prot", "80"], TextWriter.Null, TextWriter.Null));
        Assert.That(error!.Message, Does.Contain("--prot").And.Contain("--port"));
    }

    [Test]
    public void PortOutOfRangeIsRefused()
    {
        using var dir = new TempDirectory();
        string net = dir.Write("net.prototxt", EditorWorkspace.NetText);
        var error = Assert.Throws<CliError>(() => new EditCommand().Run([net, "--port", "70000"], TextWriter.Null, TextWriter.Null));
        Assert.That(error!.Message, Does.Contain("70000"));
    }
}
