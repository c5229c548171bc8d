using NUnit.Framework;

namespace Engine.Tests.Editor;

/// <summary>Truncated and garbled definitions must give exit code 1 and one diagnostic, never an internal error.</summary>
[TestFixture]
public sealed class MalformedInputTests
{
    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    /// <summary>Variants of <paramref name="text"/> that are certainly invalid, from a fixed seed.</summary>
    private static List<(string Kind, string Text)> Variants(string text)
    {
        var random = new Random(20261127);
        // Positions outside strings and comments, with the brace depth before each.
        var depth = new int[text.Length + 1];
        var outsideStrings = new List<int>();
        bool inString = false;
        for (int i = 0, d = 0; i < text.Length; i++)
        {
            depth[i] = d;
            char c = text[i];
            if (c == '"')
            {
                inString = !inString;
            }
            else if (!inString && c == '{')
            {
                d++;
            }
            else if (!inString && c == '}')
            {
                d--;
            }
            if (!inString && char.IsWhiteSpace(c))
            {
                outsideStrings.Add(i);
            }
            depth[i + 1] = d;
        }
        var variants = new List<(string, string)>();
        var cuts = Enumerable.Range(1, text.Length - 1).Where(i => depth[i] > 0).ToList();
        for (int k = 0; k < 15; k++)
        {
            int at = cuts[random.Next(cuts.Count)];
            variants.Add(($"truncated at {at}", text[..at]));
        }
        foreach (string junk in new[] { "}", "@", "{", ": :", "\"unterminated" })
        {
            for (int k = 0; k < 5; k++)
            {
                int at = outsideStrings[random.Next(outsideStrings.Count)];
                variants.Add(($"'{junk}' inserted at {at}", text[..at] + " " + junk + " " + text[at..]));
            }
        }
        variants.Add(("number garbled", text.Replace("num_output: 100", "num_output: 1x0", StringComparison.Ordinal)));
        variants.Add(("negative count", text.Replace("num_output: 100", "num_output: -100", StringComparison.Ordinal)));
        variants.Add(("enum garbled", text.Replace("dim: 28", "dim: TWENTY", StringComparison.Ordinal)));
        variants.Add(("empty", ""));
        variants.Add(("binary", "\u0001\u0002\u00ff\u0000layer"));
        variants.Add(("only a brace", "}"));
        return variants;
    }

    [Test]
    public void GarbledNets_GiveExitCodeOne_WithOneDiagnostic()
    {
        List<(string Kind, string Text)> variants = Variants(CheckNets.Mlp);
        Assert.That(variants, Has.Count.GreaterThanOrEqualTo(36));
        foreach (var (kind, text) in variants)
        {
            string path = _dir.Write("garbled.prototxt", text);
            (int Code, string Out, string Err) result = default;
            Assert.DoesNotThrow(() => result = CliRunner.Run("check", path), kind);
            if (kind == "empty")
            {
                // An empty file is a valid, empty net definition.
                Assert.That(result.Code, Is.EqualTo(0), kind);
                continue;
            }
            Assert.That(result.Code, Is.EqualTo(1), $"{kind}: {result.Err}");
            Assert.That(result.Err, Does.StartWith(path + ":"), kind);
            Assert.That(result.Err, Does.Not.Contain("   at "), $"{kind}: no stack trace");
        }
    }

    [Test]
    public void GarbledSolvers_GiveExitCodeOne()
    {
        _dir.Write("mlp.prototxt", CheckNets.Mlp);
        const string solver = "net: \"mlp.prototxt\"\nbase_lr: 0.01\nlr_policy: \"fixed\"\nmax_iter: 10\n";
        string[] variants = [solver[..10], solver + "}", solver.Replace("0.01", "0.0.1", StringComparison.Ordinal), solver + "base_lr: 1\n", solver + "test_iter: 5\n"];
        foreach (string text in variants)
        {
            string path = _dir.Write("solver.prototxt", text);
            (int Code, string Out, string Err) result = default;
            Assert.DoesNotThrow(() => result = CliRunner.Run("check", path), text);
            Assert.That(result.Code, Is.EqualTo(1), $"{text}: {result.Err}");
        }
    }

    [Test]
    public void GarbledInput_ToUpgrade_GivesExitCodeOne()
    {
        foreach (var (kind, text) in Variants(CheckNets.Mlp).Where(v => v.Kind != "empty").Take(12))
        {
            string path = _dir.Write("garbled.prototxt", text);
            (int Code, string Out, string Err) result = default;
            Assert.DoesNotThrow(() => result = CliRunner.Run("upgrade", path, Path.Combine(_dir.Path, "out.prototxt")), kind);
            if (kind.StartsWith("negative", StringComparison.Ordinal) || kind.StartsWith("number", StringComparison.Ordinal))
            {
                continue;
            }
            Assert.That(result.Code, Is.EqualTo(1), $"{kind}: {result.Err}");
        }
    }
}
