using Confluent.Kafka;

namespace StreamAnalytics.Cli.Commands;

/// <summary>
/// One metadata request before a command starts producing or consuming, so an unreachable broker gives one clear
/// line and a non-zero exit within a timeout, instead of librdkafka's raw <c>%3|…|ERROR|</c> lines for ever.
/// </summary>
internal static class KafkaPreflight
{
    /// <summary>The default wait for a first broker answer.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Asks the brokers at <paramref name="bootstrap"/> for metadata. Returns null when one answered, else a one-line
    /// reason naming the address and the last error librdkafka reported.
    /// </summary>
    public static string? Check(string bootstrap, TimeSpan timeout, IEnumerable<KeyValuePair<string, string>>? clientSettings = null)
    {
        // librdkafka reports the cause (connection refused, name not resolved, TLS) once, then "N/N brokers are down".
        string? lastError = null;
        void Note(string message)
        {
            if (lastError is null || !message.Contains("brokers are down", StringComparison.Ordinal)) lastError = message;
        }
        var config = new AdminClientConfig(new Dictionary<string, string>(clientSettings ?? [])) { BootstrapServers = bootstrap, ClientId = "streamanalytics-preflight" };
        try
        {
            using var admin = new AdminClientBuilder(config)
                .SetErrorHandler((_, e) => Note(e.Reason))
                .SetLogHandler((_, m) => { if (m.Level <= SyslogLevel.Error) Note(m.Message); })
                .Build();
            var metadata = admin.GetMetadata(timeout);
            if (metadata.Brokers.Count > 0) return null;
        }
        catch (KafkaException e)
        {
            lastError ??= e.Error.Reason;
        }
        catch (ArgumentException e)
        {
            return $"invalid Kafka client setting: {e.Message}";
        }
        return $"no Kafka broker at {bootstrap} answered within {DurationOption.Format(timeout)}" +
            (lastError is null ? "" : $" (last error: {Trim(lastError)})");
    }

    // librdkafka prefixes its messages with the client and broker names: keep only what follows the last ": ".
    private static string Trim(string message)
    {
        int cut = message.LastIndexOf("]: ", StringComparison.Ordinal);
        string text = cut >= 0 ? message[(cut + 3)..] : message;
        int after = text.IndexOf(" (after ", StringComparison.Ordinal); // "(after 0ms in state CONNECT, …)": noise here
        return (after > 0 ? text[..after] : text).Trim();
    }
}
