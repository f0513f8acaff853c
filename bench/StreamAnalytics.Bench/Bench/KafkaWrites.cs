namespace StreamAnalytics.Bench;

/// <summary>What the job wrote to one Kafka topic, per input span: a sizing figure, not a target.</summary>
/// <param name="Topic">The topic, with the application id written as <c>{app}</c>.</param>
/// <param name="RecordsPerThousandSpans">Records handed to the producer per 1,000 input spans.</param>
/// <param name="BytesPerSpan">Their key and value bytes (before compression) per input span.</param>
internal sealed record KafkaWrites(string Topic, double RecordsPerThousandSpans, double BytesPerSpan)
{
    /// <summary>
    /// Reads the runtime's <c>streams.records.produced</c> and <c>streams.produced</c> counters of one application (a
    /// one-off collection of the observable counters, while the job still runs) and divides them by the input spans.
    /// </summary>
    public static List<KafkaWrites> Read(string appId, long inputSpans)
    {
        var (records, bytes) = Collect(appId);
        var writes = new List<KafkaWrites>();
        foreach (var (topic, n) in records.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            string name = topic.StartsWith(appId, StringComparison.Ordinal) ? "{app}" + topic[appId.Length..] : topic;
            writes.Add(new KafkaWrites(name, n * 1000.0 / inputSpans, bytes.GetValueOrDefault(topic) / (double)inputSpans));
        }
        return writes;
    }

    /// <summary>Records handed to the producer so far, by topic, for one application.</summary>
    public static Dictionary<string, long> RecordsByTopic(string appId) => Collect(appId).Records;

    private static (Dictionary<string, long> Records, Dictionary<string, long> Bytes) Collect(string appId)
    {
        var records = new Dictionary<string, long>(StringComparer.Ordinal);
        var bytes = new Dictionary<string, long>(StringComparer.Ordinal);
        MeterReading.Read("StreamAnalytics.Streams", n => n is "streams.records.produced" or "streams.produced", (instrument, value, tags, _) =>
        {
            string? app = null, topic = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "application.id") app = tag.Value as string;
                else if (tag.Key == "topic") topic = tag.Value as string;
            }
            if (app != appId || topic is null) return;
            (instrument.Name == "streams.produced" ? bytes : records)[topic] = value;
        });
        return (records, bytes);
    }
}
