namespace Engine.Editor.Web;

/// <summary>A problem in the text at a 1-based line and column.</summary>
/// <param name="Line">1-based line.</param>
/// <param name="Col">1-based column.</param>
/// <param name="Message">What is wrong.</param>
/// <param name="Severity"><c>error</c> or <c>warning</c>.</param>
internal sealed record TextError(int Line, int Col, string Message, string Severity = "error");

/// <summary>One layer of the drawn net. Null figures could not be inferred (the net has an error, or data is missing).</summary>
internal sealed record GraphNode(
    string Name,
    string Type,
    string[] Bottoms,
    string[] Tops,
    int?[]?[] TopShapes,
    string Params,
    long? ParamCount,
    long? Flops,
    long? MemoryBytes,
    int Line);

/// <summary>A blob flowing from one layer to another.</summary>
/// <param name="From">Producing layer.</param>
/// <param name="To">Reading layer.</param>
/// <param name="Blob">The blob's name.</param>
internal sealed record GraphEdge(string From, string To, string Blob);

/// <summary>The net as a graph.</summary>
internal sealed record NetGraph(IReadOnlyList<GraphNode> Nodes, IReadOnlyList<GraphEdge> Edges);

/// <summary>Whole-net figures for the totals bar.</summary>
/// <param name="Parameters">Learnable scalars.</param>
/// <param name="FlopsPerSample">Forward FLOPs divided by the batch size.</param>
/// <param name="ActivationBytes">Bytes of the blobs between layers for one batch (float32).</param>
/// <param name="BatchSize">First axis of the first data blob.</param>
internal sealed record NetTotals(long? Parameters, double? FlopsPerSample, long? ActivationBytes, int? BatchSize);

/// <summary>Answer of <c>POST /api/parse</c>.</summary>
/// <param name="Ok">No errors (warnings allowed).</param>
/// <param name="Errors">Errors and warnings with positions.</param>
/// <param name="Graph">The layers that could be read; null when the text does not parse at all.</param>
/// <param name="Totals">Null when the net could not be built.</param>
internal sealed record ParseResult(bool Ok, IReadOnlyList<TextError> Errors, NetGraph? Graph, NetTotals? Totals);
