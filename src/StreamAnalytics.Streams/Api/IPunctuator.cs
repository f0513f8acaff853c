namespace StreamAnalytics.Streams.Api;

/// <summary>A callback scheduled with <see cref="IProcessorContext{TKeyOut,TValueOut}.Schedule"/>.</summary>
/// <remarks>Runs on the task's thread, never concurrently with <c>Process</c> of the same task.</remarks>
public interface IPunctuator
{
    /// <param name="timestampMs">The stream time or wall-clock time (ms) at which it fired.</param>
    void Punctuate(long timestampMs);
}
