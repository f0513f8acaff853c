using StreamAnalytics.Formats;
using StreamAnalytics.Tools.Logical;

namespace StreamAnalytics.Tools.Generate;

/// <summary>
/// Turns generated traces into Kafka messages the way real producers do: OTLP and Zipkin exporters batch about
/// <c>spansPerMessage</c> spans of many traces into one message (no key); Jaeger writes one span per message keyed by
/// its hex trace id.
/// </summary>
/// <remarks>Not thread-safe.</remarks>
public sealed class SpanMessageBatcher
{
    private readonly SpanFormat _format;
    private readonly int _spansPerMessage;
    private readonly List<LogicalSpan> _pending = new();

    public SpanMessageBatcher(SpanFormat format, int spansPerMessage = 100)
    {
        if (spansPerMessage < 1) throw new ArgumentOutOfRangeException(nameof(spansPerMessage), "at least one span per message");
        _format = format;
        _spansPerMessage = spansPerMessage;
    }

    /// <summary>Adds a trace; returns the messages that became full, as (key or null, value).</summary>
    public IEnumerable<(byte[]? Key, byte[] Value)> Add(IReadOnlyList<LogicalSpan> trace)
    {
        if (!_format.IsBatchFormat())
        {
            var messages = SpanEncoders.Encode(_format, trace);
            for (int i = 0; i < messages.Count; i++)
                yield return (System.Text.Encoding.ASCII.GetBytes(trace[i].TraceId), messages[i]);
            yield break;
        }
        _pending.AddRange(trace);
        if (_pending.Count >= _spansPerMessage)
            foreach (var m in Flush()) yield return m;
    }

    /// <summary>Encodes whatever is pending.</summary>
    public IEnumerable<(byte[]? Key, byte[] Value)> Flush()
    {
        if (_pending.Count == 0) yield break;
        var messages = SpanEncoders.Encode(_format, _pending, _spansPerMessage);
        _pending.Clear();
        foreach (byte[] m in messages) yield return (null, m);
    }
}
