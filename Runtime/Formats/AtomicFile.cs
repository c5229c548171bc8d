using System.Security.Cryptography;
using Google.Protobuf;

namespace Engine.Formats;

/// <summary>
/// Writes files so that readers (and a crash or power loss mid-write) see either the complete old content or
/// the complete new content, never a torn file. Used for weights, solver state and definitions.
/// </summary>
/// <remarks>
/// The content goes to <c>path + ".tmp-&lt;random&gt;"</c> in the same directory (so the final rename stays on one
/// file system), is flushed through to the disk with <see cref="FileStream.Flush(bool)"/>, and then replaces the
/// destination by rename. If anything fails the temporary file is deleted and the original is untouched.
/// </remarks>
public static class AtomicFile
{
    /// <summary>Replaces <paramref name="path"/> with the bytes written by <paramref name="write"/>.</summary>
    /// <param name="path">Destination file; its directory must exist.</param>
    /// <param name="write">Writes the whole content to the given stream; it must not close the stream.</param>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        string target = Path.GetFullPath(path);
        string temp = target + ".tmp-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, target, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Replaces <paramref name="path"/> with <paramref name="bytes"/>.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        // Spans cannot be captured by the lambda, so copy once; files written this way are small.
        byte[] copy = bytes.ToArray();
        Write(path, stream => stream.Write(copy));
    }

    /// <summary>Replaces <paramref name="path"/> with the binary protobuf encoding of <paramref name="message"/>.</summary>
    public static void WriteMessage(string path, IMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        Write(path, stream =>
        {
            // CodedOutputStream buffers and, once flushed, leaves the FileStream open for the durable flush.
            using var output = new CodedOutputStream(stream, leaveOpen: true);
            message.WriteTo(output);
            output.Flush();
        });
    }

    private static void TryDelete(string temp)
    {
        try
        {
            File.Delete(temp);
        }
        catch (IOException)
        {
            // The original failure matters more than a leftover temp file.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
