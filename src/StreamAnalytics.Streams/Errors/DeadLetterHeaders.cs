namespace StreamAnalytics.Streams.Errors;

/// <summary>Header names on records in the dead-letter topic <c>{application.id}-dlq</c>. Values are UTF-8 strings.</summary>
public static class DeadLetterHeaders
{
    /// <summary>Topic the record was read from.</summary>
    public const string SourceTopic = "x-source-topic";

    /// <summary>Partition it was read from (decimal).</summary>
    public const string SourcePartition = "x-source-partition";

    /// <summary>Offset it was read from (decimal).</summary>
    public const string SourceOffset = "x-source-offset";

    /// <summary>
    /// The topic an output was meant for, on dead letters that replace an output the producer or broker refused as too
    /// large (kind <c>record-too-large</c>; the value is left off, the key kept when at most 1 KiB).
    /// </summary>
    public const string TargetTopic = "x-target-topic";

    /// <summary>Why it was rejected (an exception message or a processor's reason).</summary>
    public const string ErrorReason = "x-error-reason";

    /// <summary>Optional category: <c>deserialization</c> for source deserializer failures, or what a processor passed.</summary>
    public const string ErrorKind = "x-error-kind";

    /// <summary>The suffix of the dead-letter topic: <c>{application.id}-dlq</c>.</summary>
    public const string TopicSuffix = "-dlq";
}
