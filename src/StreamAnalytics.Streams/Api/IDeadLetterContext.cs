namespace StreamAnalytics.Streams.Api;

/// <summary>
/// Lets a processor send the record it is processing to the dead-letter topic <c>{application.id}-dlq</c> instead of
/// failing the task: the way a processor that decodes values itself (span decoding happens in a processor, not in the
/// source's deserializer) reports an undecodable record.
/// </summary>
/// <remarks>
/// Obtain it from the processor's context: every context the runtime and the <c>TopologyTestDriver</c> hand to
/// <c>Init</c> implements it (<c>context is IDeadLetterContext dl</c>, or the <see cref="ProcessorContextDeadLetterExtensions.DeadLetter{TKeyOut,TValueOut}"/>
/// extension). Call it on the task's thread, from <c>Process</c>. The dead-letter record carries the original key and
/// value bytes as read from the source topic, the original headers, and the headers named in
/// <see cref="Errors.DeadLetterHeaders"/>. It is produced with the task's other outputs (in the same transaction under
/// <c>exactly_once_v2</c>), and counted in the <c>streams.records.dead_lettered</c> metric.
/// </remarks>
public interface IDeadLetterContext
{
    /// <summary>Dead-letters the record currently being processed; the processor should then return without forwarding it.</summary>
    /// <param name="reason">Why the record is rejected; becomes the <c>x-error-reason</c> header.</param>
    /// <param name="kind">An optional machine-readable category (e.g. <c>decode</c>, <c>too-large</c>); the <c>x-error-kind</c> header.</param>
    /// <exception cref="InvalidOperationException">Called outside <c>Process</c> (inside a punctuation there is no current record).</exception>
    void DeadLetter(string reason, string? kind = null);
}
