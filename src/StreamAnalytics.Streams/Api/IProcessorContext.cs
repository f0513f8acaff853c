using StreamAnalytics.Streams.State;

namespace StreamAnalytics.Streams.Api;

/// <summary>What a processor can see and do: forward records, read clocks, schedule punctuations, reach state stores.</summary>
/// <remarks>Valid from <c>Init</c> until <c>Close</c>, on the task's thread only.</remarks>
public interface IProcessorContext<TKeyOut, TValueOut>
{
    /// <summary>The <c>application.id</c>: consumer group id and prefix of internal topics.</summary>
    string ApplicationId { get; }

    TaskId TaskId { get; }

    /// <summary>Metadata of the record being processed; null inside a punctuation.</summary>
    RecordMetadata? RecordMetadata { get; }

    /// <summary>The task's stream time (largest record timestamp seen, ms), or -1 before the first record.</summary>
    long CurrentStreamTimeMs { get; }

    /// <summary>Wall-clock time (ms) from the runtime's <see cref="TimeProvider"/>.</summary>
    long CurrentSystemTimeMs { get; }

    /// <summary>Sends a record to every child node.</summary>
    void Forward(Record<TKeyOut, TValueOut> record);

    /// <summary>Sends a record to the named child node only.</summary>
    void Forward(Record<TKeyOut, TValueOut> record, string childName);

    /// <summary>Calls <paramref name="punctuator"/> every <paramref name="interval"/> of the given clock.</summary>
    ICancellable Schedule(TimeSpan interval, PunctuationType type, IPunctuator punctuator);

    /// <summary>A store added to the topology and connected to this processor.</summary>
    /// <exception cref="InvalidOperationException">No such store is connected to this processor.</exception>
    TStore GetStateStore<TStore>(string name) where TStore : class, IStateStore;

    /// <summary>Asks the runtime to commit as soon as possible (after this record), instead of at the next commit interval.</summary>
    void RequestCommit();
}
