namespace StreamAnalytics.Formats.Files;

/// <summary>Writes messages in the framings <see cref="SpanFileReader"/> reads back.</summary>
public static class SpanFileWriter
{
    /// <summary>Writes each message with a varint length prefix (the protobuf "delimited" framing).</summary>
    /// <remarks>The stream is not closed or flushed beyond what <see cref="Stream.Write(ReadOnlySpan{byte})"/> does.</remarks>
    public static void WriteDelimited(Stream output, IEnumerable<byte[]> messages)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(messages);
        Span<byte> prefix = stackalloc byte[5];
        foreach (byte[] message in messages)
        {
            int n = 0;
            uint length = (uint)message.Length;
            while (length >= 0x80)
            {
                prefix[n++] = (byte)(length | 0x80);
                length >>= 7;
            }
            prefix[n++] = (byte)length;
            output.Write(prefix[..n]);
            output.Write(message);
        }
    }

    /// <summary>Writes each JSON message on its own line (NDJSON).</summary>
    /// <exception cref="ArgumentException">A message contains a line break (it must be compact JSON).</exception>
    public static void WriteJsonLines(Stream output, IEnumerable<byte[]> messages)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(messages);
        int index = 0;
        foreach (byte[] message in messages)
        {
            if (message.AsSpan().IndexOfAny((byte)'\n', (byte)'\r') >= 0)
                throw new ArgumentException($"message {index} contains a line break; JSON lines need compact JSON", nameof(messages));
            output.Write(message);
            output.WriteByte((byte)'\n');
            index++;
        }
    }

    /// <summary>Writes messages in the framing <see cref="SpanFileReader"/> expects for <paramref name="format"/>.</summary>
    public static void Write(Stream output, SpanFormat format, IEnumerable<byte[]> messages)
    {
        if (format is SpanFormat.OtlpJson or SpanFormat.JaegerJson or SpanFormat.ZipkinJson) WriteJsonLines(output, messages);
        else WriteDelimited(output, messages);
    }
}
