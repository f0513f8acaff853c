namespace StreamAnalytics.Streams.Errors;

/// <summary>What to do with a record whose key or value could not be deserialized.</summary>
public enum DeserializationHandlerResponse
{
    /// <summary>Fail the stream thread (the instance goes to Error). Offsets of the bad record are not committed.</summary>
    Fail,

    /// <summary>Skip the record (counted in <c>streams.records.skipped</c>) and go on.</summary>
    Continue,

    /// <summary>Send the raw record to <c>{application.id}-dlq</c> with <see cref="DeadLetterHeaders"/> and go on. The default.</summary>
    DeadLetter,
}
