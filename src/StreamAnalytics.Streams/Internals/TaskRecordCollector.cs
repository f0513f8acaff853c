using Confluent.Kafka;
using StreamAnalytics.Streams.Api;

namespace StreamAnalytics.Streams.Internals;

/// <summary>
/// One task's view of the thread's <see cref="RecordCollector"/>: sends go through the shared producer with a delivery
/// handler that names this task, so a failed delivery rewinds only the task whose output was lost
/// (<see cref="TaskManager.ReviveTasks"/>), and <see cref="SentSinceCommit"/> tells which tasks wrote into an aborted
/// transaction. Stream thread only, except the handler (producer poll thread), which only reports to the collector.
/// </summary>
internal sealed class TaskRecordCollector : IRecordCollector
{
    private readonly RecordCollector _shared;
    private readonly Action<DeliveryReport<byte[], byte[]>> _onDelivery;

    public TaskRecordCollector(RecordCollector shared, TaskId task)
    {
        _shared = shared;
        Task = task;
        _onDelivery = report => _shared.OnDelivery(report, Task);
    }

    public TaskId Task { get; }

    /// <summary>True once this task sent anything since the last successful commit.</summary>
    public bool SentSinceCommit { get; private set; }

    public void Send(string topic, int? partition, byte[]? key, byte[]? value, long timestampMs, Headers? headers)
    {
        SentSinceCommit = true;
        _shared.SendReporting(topic, partition, key, value, timestampMs, headers, _onDelivery);
    }

    /// <summary>Everything sent so far is committed.</summary>
    public void MarkCommitted() => SentSinceCommit = false;
}
