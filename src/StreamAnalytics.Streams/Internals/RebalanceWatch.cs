using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace StreamAnalytics.Streams.Internals;

/// <summary>
/// While the instance is <see cref="KafkaStreamsState.Rebalancing"/>, logs every <see cref="Interval"/> how long it has
/// been and what each stream thread waits for (an assignment from the group coordinator, the end of a revocation, or
/// the stores still restoring, with their progress). A rebalance that stalls is then visible in the log, with no need
/// for debug logging or a metrics scrape. The period comes from the injected <see cref="TimeProvider"/>.
/// </summary>
/// <remarks>Thread-safe: <see cref="Enter"/> and <see cref="Leave"/> come from state changes on any thread.</remarks>
internal sealed class RebalanceWatch : IDisposable
{
    /// <summary>How often a member still rebalancing says so.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private const int MaxStoresListed = 3;

    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<string> _describeWait;
    private readonly object _lock = new();
    private ITimer? _timer;
    private DateTimeOffset _since;

    public RebalanceWatch(TimeProvider time, ILogger logger, Func<string> describeWait)
    {
        _time = time;
        _logger = logger;
        _describeWait = describeWait;
    }

    /// <summary>The instance entered Rebalancing: the first report comes one <see cref="Interval"/> later.</summary>
    public void Enter()
    {
        lock (_lock)
        {
            if (_timer is not null) return;
            _since = _time.GetUtcNow();
            _timer = _time.CreateTimer(static state => ((RebalanceWatch)state!).Report(), this, Interval, Interval);
        }
    }

    /// <summary>The instance left Rebalancing (running, shutting down or failed): no more reports.</summary>
    public void Leave()
    {
        lock (_lock)
        {
            _timer?.Dispose();
            _timer = null;
        }
    }

    public void Dispose() => Leave();

    private void Report()
    {
        TimeSpan elapsed;
        lock (_lock)
        {
            if (_timer is null) return;
            elapsed = _time.GetUtcNow() - _since;
        }
        string waiting;
        try
        {
            waiting = _describeWait();
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
        {
            waiting = "(state unavailable: " + ex.Message + ")";
        }
        _logger.LogInformation("Still rebalancing after {Seconds} s: {Waiting}", Math.Round(elapsed.TotalSeconds), waiting);
    }

    /// <summary>What one stream thread waits for, in words an operator can act on.</summary>
    public static string DescribeThread(string thread, StreamThreadState state, int assignedPartitions, IReadOnlyList<StoreRestoreStatus> restores, string groupId)
    {
        var sb = new StringBuilder(thread).Append(": ");
        switch (state)
        {
            case StreamThreadState.Created:
            case StreamThreadState.Starting:
                sb.Append(CultureInfo.InvariantCulture, $"waiting for the group coordinator to assign partitions of group '{groupId}' (a join completes when every member rejoined or timed out after session.timeout.ms)");
                break;
            case StreamThreadState.PartitionsRevoked:
                sb.Append("revoked its partitions; waiting for the rebalance to finish");
                break;
            case StreamThreadState.PartitionsAssigned:
                AppendRestoring(sb, assignedPartitions, restores);
                break;
            default:
                sb.Append(state.ToString().ToLowerInvariant());
                break;
        }
        return sb.ToString();
    }

    private static void AppendRestoring(StringBuilder sb, int assignedPartitions, IReadOnlyList<StoreRestoreStatus> restores)
    {
        int pending = 0;
        foreach (var r in restores) if (r.State != ChangelogState.Completed) pending++;
        sb.Append(CultureInfo.InvariantCulture, $"{assignedPartitions} partitions assigned; ");
        if (pending == 0)
        {
            sb.Append("waiting for its tasks to start");
            return;
        }
        sb.Append(CultureInfo.InvariantCulture, $"restoring {pending} store partitions (");
        int listed = 0;
        foreach (var r in restores)
        {
            if (r.State == ChangelogState.Completed) continue;
            if (listed == MaxStoresListed) { sb.Append(", …"); break; }
            if (listed++ > 0) sb.Append(", ");
            sb.Append(CultureInfo.InvariantCulture, $"{r.ChangelogTopic}[{r.Partition}] {r.RestoredRecords}/{r.EndOffset} records");
        }
        sb.Append(')');
    }
}
