namespace Engine.Editor.Web;

/// <summary>Body of <c>POST /api/parse</c>.</summary>
/// <param name="Text">The prototxt to check.</param>
internal sealed record ParseRequest(string? Text);

/// <summary>Body of <c>POST /api/save</c>.</summary>
/// <param name="Text">The prototxt to write.</param>
/// <param name="Path">Where, relative to the workspace; null is the edited file.</param>
internal sealed record SaveRequest(string? Text, string? Path);

/// <summary>Body of <c>POST /api/train</c>.</summary>
/// <param name="Text">The net to train (when the solver's net is the edited file); null trains the saved files.</param>
/// <param name="Iterations">Overrides max_iter.</param>
internal sealed record TrainRequest(string? Text, int? Iterations);
