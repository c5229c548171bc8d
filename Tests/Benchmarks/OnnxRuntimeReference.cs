using Microsoft.ML.OnnxRuntime;

namespace Engine.Benchmarks;

/// <summary>
/// ONNX Runtime (CPU provider, one intra-op and one inter-op thread, sequential execution, all graph optimisations) running
/// an exported Engine net at batch 1 through IoBinding: input and output are OrtValues over pinned managed arrays, bound
/// once, so a call measures the session's run and none of the marshalling a plain <c>Run</c> pays.
/// </summary>
internal sealed class OnnxRuntimeReference : IDisposable
{
    private readonly SessionOptions _options;
    private readonly InferenceSession _session;
    private readonly OrtValue _input;
    private readonly OrtValue _output;
    private readonly OrtIoBinding _binding;
    private readonly RunOptions _run;

    public OnnxRuntimeReference(byte[] model, string inputName, int[] inputShape, int[] outputShape)
    {
        _options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        _session = new InferenceSession(model, _options);
        Input = new float[inputShape.Aggregate(1, (a, b) => a * b)];
        Output = new float[outputShape.Aggregate(1, (a, b) => a * b)];
        _input = OrtValue.CreateTensorValueFromMemory(Input, inputShape.Select(d => (long)d).ToArray());
        _output = OrtValue.CreateTensorValueFromMemory(Output, outputShape.Select(d => (long)d).ToArray());
        _binding = _session.CreateIoBinding();
        _binding.BindInput(inputName, _input);
        _binding.BindOutput("output", _output);
        _run = new RunOptions();
    }

    /// <summary>The bound input buffer: write a sample here before <see cref="Run"/>.</summary>
    public float[] Input { get; }

    /// <summary>The bound output buffer <see cref="Run"/> writes.</summary>
    public float[] Output { get; }

    public static string Version => OrtEnv.Instance().GetVersionString();

    public void Run() => _session.RunWithBinding(_run, _binding);

    public void Dispose()
    {
        _run.Dispose();
        _binding.Dispose();
        _output.Dispose();
        _input.Dispose();
        _session.Dispose();
        _options.Dispose();
    }
}
