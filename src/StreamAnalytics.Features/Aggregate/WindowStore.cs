using StreamAnalytics.Streams.State;

namespace StreamAnalytics.Features.Aggregate;

/// <summary>
/// Makes a <see cref="WindowedAggregator"/> a state store: its open windows survive restarts and partition moves
/// through the changelog topic <c>{application.id}-{Name}-changelog</c>.
/// </summary>
/// <remarks>
/// <see cref="Init"/> registers <see cref="WindowedAggregator.Restore"/> as the restore callback;
/// <see cref="Flush"/> (before each commit) calls <see cref="WindowedAggregator.WriteChangelog"/>. The runtime owns
/// the lifecycle; processors use the aggregator directly. Called on the task's thread.
/// </remarks>
public sealed class WindowStore : IStateStore
{
    /// <summary>The default store name (changelog <c>{application.id}-trace-aggregates-changelog</c>).</summary>
    public const string DefaultName = "trace-aggregates";

    private IChangelog? _changelog;

    /// <summary>Wraps <paramref name="aggregator"/> as the store <paramref name="name"/>.</summary>
    public WindowStore(WindowedAggregator aggregator, string name = DefaultName, bool loggingEnabled = true)
    {
        ArgumentNullException.ThrowIfNull(aggregator);
        ArgumentException.ThrowIfNullOrEmpty(name);
        Aggregator = aggregator;
        Name = name;
        LoggingEnabled = loggingEnabled;
    }

    /// <summary>The wrapped aggregator.</summary>
    public WindowedAggregator Aggregator { get; }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public bool LoggingEnabled { get; }

    /// <inheritdoc/>
    public void Init(IStateStoreContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        // Documents' _id includes the producing partition: two tasks' aggregates of one window must not overwrite each other.
        Aggregator.Partition = context.TaskId.Partition;
        _changelog = context.Register(this, Aggregator.Restore);
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">Called before <see cref="Init"/>.</exception>
    public void Flush()
    {
        if (_changelog is null) throw new InvalidOperationException($"state store '{Name}' flushed before Init");
        Aggregator.WriteChangelog(_changelog);
    }

    /// <inheritdoc/>
    public void Close() => _changelog = null;
}
