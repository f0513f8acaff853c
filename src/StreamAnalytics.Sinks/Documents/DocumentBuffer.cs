using System.Text.Json;
using StreamAnalytics.Sinks.Internal;

namespace StreamAnalytics.Sinks.Documents;

/// <summary>
/// Serializes a document through one pooled buffer and JSON writer per thread, returning an exactly-sized array: a
/// fresh buffer grown to a typical 4–8 KB document, and a fresh writer, cost more than writing the document.
/// </summary>
internal static class DocumentBuffer
{
    /// <summary>A buffer grown past this by a huge document is dropped after it, so it does not stay pinned on the thread.</summary>
    private const int MaxKeptBytes = 256 * 1024;

    [ThreadStatic] private static Reusable? t_reusable;

    public static byte[] Serialize<T>(T value, Action<Utf8JsonWriter, T> write)
    {
        Reusable r = t_reusable ??= new Reusable();
        r.Buffer.Reset();
        r.Writer.Reset(r.Buffer);
        write(r.Writer, value);
        r.Writer.Flush();
        byte[] result = r.Buffer.WrittenSpan.ToArray();
        if (r.Buffer.Capacity > MaxKeptBytes)
        {
            t_reusable = null;
            r.Writer.Dispose();
            r.Buffer.Dispose();
        }
        return result;
    }

    private sealed class Reusable
    {
        public readonly PooledBufferWriter Buffer = new(16 * 1024);
        public readonly Utf8JsonWriter Writer;

        // SkipValidation: the document writers emit a fixed, well-formed shape (tests parse every document back).
        public Reusable() => Writer = new Utf8JsonWriter(Buffer, new JsonWriterOptions { SkipValidation = true });
    }
}
