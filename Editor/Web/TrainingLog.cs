using System.Text.Json;

namespace Engine.Editor.Web;

/// <summary>Reads the curves of a finished run back from its JSON-lines log.</summary>
internal static class TrainingLog
{
    /// <summary>The iteration and test records of the log at <paramref name="path"/>.</summary>
    /// <exception cref="FormatException">A line is not a record; the message names the file and line.</exception>
    public static List<TrainingRecord> Read(string path)
    {
        var records = new List<TrainingRecord>();
        int number = 0;
        foreach (string line in File.ReadLines(path))
        {
            number++;
            if (line.Length == 0)
            {
                continue;
            }
            TrainingRecord? record;
            try
            {
                record = JsonSerializer.Deserialize<TrainingRecord>(line, TrainingSession.Json);
            }
            catch (JsonException e)
            {
                throw new FormatException($"{Path.GetFileName(path)}:{number}: not a training log record ({e.Message})");
            }
            if (record is null || string.IsNullOrEmpty(record.Kind))
            {
                throw new FormatException($"{Path.GetFileName(path)}:{number}: not a training log record");
            }
            if (record.Kind is "iter" or "test")
            {
                records.Add(record);
            }
        }
        return records;
    }
}
