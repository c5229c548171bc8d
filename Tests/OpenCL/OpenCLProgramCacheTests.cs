using Engine.Backends.OpenCL;
using NUnit.Framework;

namespace Engine.Tests.OpenCL;

/// <summary>Programs are compiled once and their binaries reused by a later cache (as a second process would).</summary>
public class OpenCLProgramCacheTests : OpenCLTestBase
{
    [Test]
    public void SecondCache_LoadsTheBinaryInsteadOfCompiling()
    {
        string dir = Path.Combine(Path.GetTempPath(), "engine-opencl-cache-" + Guid.NewGuid().ToString("N"));
        try
        {
            var first = new OpenCLProgramCache(Cl, dir);
            OpenCLKernel kernel = first.Kernel(typeof(OpenCLBackend).Assembly, "math.cl", "set_value");
            Assert.That(first.Kernel(typeof(OpenCLBackend).Assembly, "math.cl", "set_value"), Is.SameAs(kernel));
            Assert.That(first.CompiledFromSource, Is.EqualTo(1));
            Assert.That(Directory.GetFiles(dir, "*.bin"), Has.Length.EqualTo(1));

            var second = new OpenCLProgramCache(Cl, dir);
            OpenCLKernel loaded = second.Kernel(typeof(OpenCLBackend).Assembly, "math.cl", "set_value");
            Assert.That(second.LoadedFromDisk, Is.EqualTo(1));
            Assert.That(second.CompiledFromSource, Is.EqualTo(0));

            using OpenCLBuffer buffer = Cl.Pool.Rent(5);
            loaded.Arg(0, 5).Arg(1, 7.5f).Arg(2, buffer).Arg(3, 0).Launch(5);
            var back = new float[5];
            buffer.CopyToHost(back);
            Assert.That(back, Is.All.EqualTo(7.5f));
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, true);
            }
        }
    }

    [Test]
    public void BuildFailure_ShowsTheFileAndTheBuildLog()
    {
        var e = Assert.Throws<OpenCLException>(() => Cl.Programs.CompileSource("__kernel void broken(__global float* y) { y[0] = undeclared_name; }", "Broken.cl"))!;
        Assert.That(e.Message, Does.Contain("Broken.cl").And.Contain("CL_BUILD_PROGRAM_FAILURE").And.Contain("undeclared_name"));
        Assert.That(e.Call, Is.EqualTo("clBuildProgram"));
    }

    [Test]
    public void MissingSource_IsAClearError()
    {
        var e = Assert.Throws<OpenCLException>(() => Cl.Kernel(typeof(OpenCLBackend).Assembly, "nothing_here.cl", "k"))!;
        Assert.That(e.Message, Does.Contain("nothing_here.cl").And.Contain("EmbeddedResource"));
    }
}
