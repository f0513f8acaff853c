using StreamAnalytics.Streams.Api;

namespace StreamAnalytics.Streams;

/// <summary>Restore progress of one store's changelog partition.</summary>
/// <param name="Store">Store name.</param>
/// <param name="ChangelogTopic">Its changelog topic.</param>
/// <param name="Partition">Changelog partition (= the task's partition).</param>
/// <param name="TaskId">The task that owns the store.</param>
/// <param name="State">Where the restore is.</param>
/// <param name="RestoredRecords">Changelog records replayed so far.</param>
/// <param name="EndOffset">High watermark of the changelog partition when the task registered (-1 until read).</param>
public sealed record StoreRestoreStatus(string Store, string ChangelogTopic, int Partition, TaskId TaskId, ChangelogState State, long RestoredRecords, long EndOffset);
