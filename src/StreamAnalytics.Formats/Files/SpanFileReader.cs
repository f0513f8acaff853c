using System.Text.Json;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Formats.Protobuf;

namespace StreamAnalytics.Formats.Files;

/// <summary>
/// Splits a span file (the input of the offline <c>replay</c> command) into the Kafka message values it stands for.
/// </summary>
/// <remarks>
/// <para><c>*_json</c>: if the whole file is one JSON document (pretty-printed or not) it is one message; otherwise each
/// non-blank line is one message (NDJSON). A line that is not valid JSON is still returned, so that the decoder reports
/// it and the lines around it still decode.</para>
/// <para><c>*_proto</c>: a raw protobuf message has no framing, so the file is read as a sequence of varint
/// length-prefixed messages (<see cref="SpanFileWriter.WriteDelimited"/>) only if it parses exactly as one: every
/// prefix fits, the last frame ends at the end of the file and every frame is well-formed protobuf. If the whole file
/// is also a well-formed protobuf message, both readings are plausible, so the format's decoder decides: the reading it
/// accepts wins, and when it accepts both (or neither) a sequence of two or more frames wins over one message.</para>
/// The whole file is read into memory: replay input is bounded by the machine running the command.
/// </remarks>
public static class SpanFileReader
{
    /// <summary>Reads <paramref name="path"/> and returns its messages in file order.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static IEnumerable<ReadOnlyMemory<byte>> ReadMessages(string path, SpanFormat format)
    {
        byte[] bytes = File.ReadAllBytes(path);
        return Split(bytes, format);
    }

    /// <summary>The same split for bytes already in memory.</summary>
    public static IReadOnlyList<ReadOnlyMemory<byte>> Split(byte[] bytes, SpanFormat format)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        return format is SpanFormat.OtlpJson or SpanFormat.JaegerJson or SpanFormat.ZipkinJson
            ? SplitJson(bytes)
            : SplitProto(bytes, format);
    }

    private static List<ReadOnlyMemory<byte>> SplitJson(byte[] bytes)
    {
        var messages = new List<ReadOnlyMemory<byte>>();
        int start = bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
        var all = new ReadOnlyMemory<byte>(bytes, start, bytes.Length - start);
        if (IsBlank(all.Span)) return messages;
        if (IsSingleDocument(all.Span))
        {
            messages.Add(all);
            return messages;
        }
        int lineStart = start;
        for (int i = start; i <= bytes.Length; i++)
        {
            if (i < bytes.Length && bytes[i] != (byte)'\n') continue;
            var line = new ReadOnlyMemory<byte>(bytes, lineStart, i - lineStart);
            if (!IsBlank(line.Span)) messages.Add(line);
            lineStart = i + 1;
        }
        return messages;
    }

    private static bool IsSingleDocument(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 1000, CommentHandling = JsonCommentHandling.Skip });
        try
        {
            // Reading one value and then once more throws if anything but whitespace follows it.
            return reader.Read() && reader.TrySkip() && !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool IsBlank(ReadOnlySpan<byte> text) => text.Trim(" \t\r\n"u8).IsEmpty;

    private static List<ReadOnlyMemory<byte>> SplitProto(byte[] bytes, SpanFormat format)
    {
        var single = new List<ReadOnlyMemory<byte>>();
        if (bytes.Length == 0) return single;
        single.Add(bytes);

        List<ReadOnlyMemory<byte>>? frames = TryFrames(bytes);
        if (frames is null) return single;
        if (!IsWellFormed(bytes)) return frames;

        // Both readings are structurally valid: ask the decoder, with a private table so that names from a reading
        // that loses never reach the process's shared table.
        ISpanDecoder decoder = SpanDecoders.Create(format, new StringTable(4096));
        var batch = new SpanBatch();
        bool singleDecodes = decoder.TryDecode(bytes, batch, out _);
        bool framesDecode = true;
        foreach (ReadOnlyMemory<byte> frame in frames)
        {
            batch.Clear();
            if (!decoder.TryDecode(frame.Span, batch, out _))
            {
                framesDecode = false;
                break;
            }
        }
        if (singleDecodes && !framesDecode) return single;
        if (framesDecode && !singleDecodes) return frames;
        return frames.Count >= 2 ? frames : single;
    }

    private static List<ReadOnlyMemory<byte>>? TryFrames(byte[] bytes)
    {
        var frames = new List<ReadOnlyMemory<byte>>();
        var reader = new ProtoReader(bytes);
        while (!reader.IsAtEnd)
        {
            if (!reader.TryReadLengthDelimited(out ReadOnlySpan<byte> frame) || frame.IsEmpty) return null;
            int start = reader.Position - frame.Length;
            if (!IsWellFormed(bytes.AsSpan(start, frame.Length))) return null;
            frames.Add(new ReadOnlyMemory<byte>(bytes, start, frame.Length));
        }
        return frames;
    }

    /// <summary>True when every top-level field of <paramref name="message"/> parses (values are not descended into).</summary>
    private static bool IsWellFormed(ReadOnlySpan<byte> message)
    {
        var reader = new ProtoReader(message);
        while (reader.TryReadTag(out int field, out WireType wireType))
        {
            if (!reader.TrySkip(field, wireType)) return false;
        }
        return reader.ErrorReason is null;
    }
}
