using Google.Protobuf;

namespace Engine.Formats;

/// <summary>
/// Reads and writes protobuf text format ("prototxt"), the format of Caffe net and solver definitions.
/// Works for every message type of the schema through protobuf reflection.
/// </summary>
public static class Prototxt
{
    /// <summary>Pseudo file name used in diagnostics when text does not come from a file.</summary>
    public const string StringSource = "<string>";

    /// <summary>Parses <paramref name="text"/> as a <typeparamref name="T"/>. No upgrade is applied.</summary>
    /// <param name="text">The prototxt document.</param>
    /// <param name="fileName">Name used in error messages.</param>
    /// <exception cref="PrototxtException">The text is malformed; the message names file, line and column.</exception>
    public static T Parse<T>(string text, string fileName = StringSource)
        where T : IMessage<T>, new()
    {
        var message = new T();
        Merge(text, message, fileName);
        return message;
    }

    /// <summary>Reads and parses the file at <paramref name="path"/> as a <typeparamref name="T"/>. No upgrade is applied.</summary>
    /// <exception cref="PrototxtException">The file is malformed.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static T ParseFile<T>(string path)
        where T : IMessage<T>, new()
        => Parse<T>(File.ReadAllText(path), path);

    /// <summary>
    /// Parses <paramref name="text"/> into an existing message, like protobuf's TextFormat::Merge: singular fields
    /// given in the text replace values already set, repeated fields are appended to. Within the text itself a
    /// non-repeated field may still appear only once.
    /// </summary>
    /// <exception cref="PrototxtException">The text is malformed.</exception>
    public static void Merge(string text, IMessage message, string fileName = StringSource)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(message);
        new PrototxtParser(text, fileName).ParseDocument(message);
    }

    /// <summary>
    /// Writes <paramref name="message"/> as canonical prototxt: two-space indentation, only fields that are set,
    /// strings double-quoted with C escapes, floats in shortest round-trip form. Parsing the result gives an equal message.
    /// </summary>
    /// <param name="message">The message to print.</param>
    /// <param name="order">Field order; the default matches Google's TextFormat printer (field number).</param>
    public static string Write(IMessage message, PrototxtFieldOrder order = PrototxtFieldOrder.FieldNumber)
    {
        ArgumentNullException.ThrowIfNull(message);
        return PrototxtWriter.Write(message, order);
    }

    /// <summary>Writes <paramref name="message"/> as prototxt to <paramref name="path"/> atomically (see <see cref="AtomicFile"/>).</summary>
    public static void WriteFile(string path, IMessage message, PrototxtFieldOrder order = PrototxtFieldOrder.FieldNumber)
    {
        string text = Write(message, order);
        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false), 65536, leaveOpen: true);
            writer.Write(text);
        });
    }
}
