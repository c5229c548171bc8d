using NUnit.Framework;

namespace Engine.Tests.Editor;

/// <summary>Finds files of the repository the tests were built from.</summary>
internal static class Repository
{
    /// <summary>The directory holding Engine.sln, above the test assembly.</summary>
    public static string Root()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Engine.sln")))
            {
                return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException("Engine.sln not found above the test directory.");
    }
}
