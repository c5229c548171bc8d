namespace Engine.Editor.Web;

/// <summary>
/// One line of a run's JSON-lines log and one Server-Sent Event: <c>iter</c> (loss, learning rate, speed),
/// <c>test</c> (accuracy, loss) or <c>state</c> (running or not, with a message).
/// </summary>
internal sealed record TrainingRecord(
    string Kind,
    int Iter,
    double? Loss = null,
    double? Lr = null,
    double? ImagesPerSec = null,
    double? Accuracy = null,
    bool? Running = null,
    string? Message = null,
    string? Log = null);
