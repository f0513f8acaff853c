namespace StreamAnalytics.Formats;

/// <summary>
/// What precedes the span payload in a Kafka message value (job key <c>source.framing</c>).
/// </summary>
public enum SourceFraming
{
    /// <summary>
    /// Strip Confluent framing when the first byte is 0, else decode as is. Safe because a 0 byte can start neither a
    /// protobuf message (field number 0 is invalid) nor a JSON document.
    /// </summary>
    Auto,
    /// <summary>Decode every message as is; a message starting with 0 is refused with a reason naming the setting.</summary>
    None,
    /// <summary>Every message carries Confluent Schema Registry framing; one without it is refused.</summary>
    Confluent,
}

/// <summary>Config names of <see cref="SourceFraming"/>.</summary>
public static class SourceFramingNames
{
    /// <summary>Job key of the framing.</summary>
    public const string Key = "source.framing";

    /// <summary>Names in enum order: <c>auto</c>, <c>none</c>, <c>confluent</c>.</summary>
    public static readonly IReadOnlyList<string> All = ["auto", "none", "confluent"];

    public static string ToConfigName(this SourceFraming framing) => All[(int)framing];

    public static bool TryParse(string? name, out SourceFraming framing)
    {
        for (int i = 0; i < All.Count; i++)
        {
            if (string.Equals(All[i], name, StringComparison.OrdinalIgnoreCase))
            {
                framing = (SourceFraming)i;
                return true;
            }
        }
        framing = default;
        return false;
    }
}
