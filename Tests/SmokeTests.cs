using NUnit.Framework;

namespace Engine.Tests;

public class SmokeTests
{
    [Test]
    public void ProtoTypesExist() => Assert.That(new Engine.Proto.NetParameter().Layer, Is.Empty);
}
