using Engine.Editor.Catalogue;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;

namespace Engine.Tests.Editor;

[TestFixture]
public sealed class LayersCommandTests
{
    [Test]
    public void CommittedCatalogue_MatchesTheGeneratedOne()
    {
        string committed = File.ReadAllText(Path.Combine(Repository.Root(), LayerCatalogue.RepositoryPath));

        var (code, generated, errors) = CliRunner.Run("layers", "--markdown");

        Assert.That(code, Is.EqualTo(0), errors);
        Assert.That(committed, Is.EqualTo(generated),
            $"{LayerCatalogue.RepositoryPath} is out of date; regenerate it with: dotnet run --project Editor -- layers --markdown {LayerCatalogue.RepositoryPath}");
    }

    [Test]
    public void Catalogue_HasASectionForEveryRegisteredLayer()
    {
        var (_, markdown, _) = CliRunner.Run("layers", "--markdown");

        foreach (LayerRegistration r in EngineServices.CreateDefaultRegistry().Registrations)
        {
            Assert.That(markdown, Does.Contain($"\n## {r.Type}\n"), r.Type);
        }
    }

    [Test]
    public void Catalogue_ListsTheParametersEachLayerReads_WithDefaults()
    {
        var (_, markdown, _) = CliRunner.Run("layers", "--markdown");
        string Section(string type)
        {
            int start = markdown.IndexOf($"\n## {type}\n", StringComparison.Ordinal);
            int end = markdown.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
            return markdown[start..(end < 0 ? markdown.Length : end)];
        }

        Assert.That(Section("InnerProduct"), Does.Contain("`inner_product_param` (InnerProductParameter)").And.Contain("| `bias_term` | bool | true |").And.Contain("| `axis` | int32 | 1 |"));
        // SoftmaxWithLoss reads loss_param through its base class: found by following its calls.
        Assert.That(Section("SoftmaxWithLoss"), Does.Contain("`softmax_param`").And.Contain("`loss_param`"));
        Assert.That(Section("Split"), Does.Contain("Reads no parameter message"));
        Assert.That(markdown, Does.Contain("### FillerParameter").And.Contain("| `type` | string | `\"constant\"` |"));
    }

    [Test]
    public void MarkdownToAFile_WritesTheSameText()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "layers.md");

        var (code, output, _) = CliRunner.Run("layers", "--markdown", path);

        Assert.That(code, Is.EqualTo(0));
        Assert.That(output, Does.Contain("wrote"));
        Assert.That(File.ReadAllText(path), Is.EqualTo(CliRunner.Run("layers", "--markdown").Out));
    }

    [Test]
    public void PlainListing_StillWorks_AndRejectsUnknownOptions()
    {
        var (code, output, _) = CliRunner.Run("layers");

        Assert.That(code, Is.EqualTo(0));
        Assert.That(output, Does.Contain("InnerProduct"));
        Assert.That(CliRunner.Run("layers", "--markdwn").Code, Is.EqualTo(1));
    }
}
