using NUnit.Framework;

namespace Engine.Tests.Formats;

/// <summary>Locates the hand-written definitions under Tests/Fixtures/Formats (copied next to the test assembly).</summary>
internal static class FormatsFixtures
{
    public static readonly string[] NetFiles =
    [
        "lenet_train_test.prototxt",
        "cifar10_quick_train_test.prototxt",
        "alexnet_v1.prototxt",
        "googlenet_inception.prototxt",
        "siamese.prototxt",
        "autoencoder.prototxt",
        "lenet_v0.prototxt",
    ];

    public static string PathOf(string name) =>
        Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", "Formats", name);
}
