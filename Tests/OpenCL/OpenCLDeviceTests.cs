using Engine.Backends.OpenCL;
using Engine.Editor.Commands;
using NUnit.Framework;

namespace Engine.Tests.OpenCL;

/// <summary>Device discovery, backend selection, errors and the device_query verb.</summary>
public class OpenCLDeviceTests : OpenCLTestBase
{
    [Test]
    public void Devices_AreEnumeratedWithTheirProperties()
    {
        Assert.That(OpenCLPlatform.Devices, Is.Not.Empty);
        OpenCLDeviceInfo d = OpenCLPlatform.Devices[0];
        Assert.Multiple(() =>
        {
            Assert.That(d.Index, Is.EqualTo(0));
            Assert.That(d.Name, Is.Not.Empty);
            Assert.That(d.Platform, Is.Not.Empty);
            Assert.That(d.Version, Does.StartWith("OpenCL"));
            Assert.That(d.ComputeUnits, Is.GreaterThan(0));
            Assert.That(d.GlobalMemory, Is.GreaterThan(0));
            Assert.That(d.MaxWorkGroupSize, Is.GreaterThanOrEqualTo(256), "the tiled SGEMM uses 16×16 work-groups");
        });
    }

    [Test]
    public void Selection_ParsesDeviceNames()
    {
        Assert.That(BackendSelection.Parse("cpu"), Is.SameAs(Backend.Cpu));
        Backend opencl = BackendSelection.Parse("opencl:0");
        Assert.That(opencl.Name, Is.EqualTo("opencl:0"));
        Assert.That(opencl.IsDevice, Is.True);
        Assert.That(BackendSelection.Parse("OpenCL"), Is.SameAs(opencl));
        var missing = Assert.Throws<OpenCLException>(() => BackendSelection.Parse("opencl:99"))!;
        Assert.That(missing.Message, Does.Contain("opencl:99").And.Contain("opencl:0"));
        var bad = Assert.Throws<ArgumentException>(() => BackendSelection.Parse("gpu", "ENGINE_DEVICE"))!;
        Assert.That(bad.Message, Does.Contain("ENGINE_DEVICE").And.Contain("'gpu'"));
    }

    [Test]
    public void EnvironmentVariable_PicksTheBackend()
    {
        string? saved = Environment.GetEnvironmentVariable(BackendSelection.Variable);
        try
        {
            Environment.SetEnvironmentVariable(BackendSelection.Variable, "opencl:0");
            Assert.That(BackendSelection.FromEnvironment().Name, Is.EqualTo("opencl:0"));
            Environment.SetEnvironmentVariable(BackendSelection.Variable, "cpu");
            Assert.That(BackendSelection.FromEnvironment(), Is.SameAs(Backend.Cpu));
            Environment.SetEnvironmentVariable(BackendSelection.Variable, null);
            Assert.That(BackendSelection.FromEnvironment(), Is.SameAs(Backend.Cpu));
        }
        finally
        {
            Environment.SetEnvironmentVariable(BackendSelection.Variable, saved);
        }
    }

    [Test]
    public void Errors_NameTheStatusAndTheCall()
    {
        var e = new OpenCLException(-5, "clEnqueueNDRangeKernel", "kernel relu_forward");
        Assert.Multiple(() =>
        {
            Assert.That(OpenCLException.ErrorName(-5), Is.EqualTo("CL_OUT_OF_RESOURCES"));
            Assert.That(OpenCLException.ErrorName(-11), Is.EqualTo("CL_BUILD_PROGRAM_FAILURE"));
            Assert.That(e.Message, Does.Contain("CL_OUT_OF_RESOURCES").And.Contain("clEnqueueNDRangeKernel").And.Contain("relu_forward"));
            Assert.That(e.Status, Is.EqualTo(-5));
            Assert.That(e.Call, Is.EqualTo("clEnqueueNDRangeKernel"));
        });
    }

    [Test]
    public void DeviceQuery_PrintsEachDevice()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = new DeviceQueryCommand().Run([], stdout, stderr);
        Assert.That(code, Is.EqualTo(0), stderr.ToString());
        string text = stdout.ToString();
        foreach (OpenCLDeviceInfo d in OpenCLPlatform.Devices)
        {
            Assert.That(text, Does.Contain($"opencl:{d.Index}").And.Contain(d.Name).And.Contain("max work-group size"));
        }
    }
}
