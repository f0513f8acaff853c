using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using StreamAnalytics.Streams.Api;
using StreamAnalytics.Streams.Errors;

namespace StreamAnalytics.Streams.Internals;

/// <summary>
/// The stream thread's producer, shared by all its tasks. Sends are asynchronous; the first delivery error is kept and
/// fails the next <see cref="Flush"/> (so a commit never covers a lost output). Under exactly_once_v2 the producer is
/// transactional: the first send after a commit begins a transaction, and <see cref="CommitTransaction"/> adds the
/// input offsets to it and commits.
/// </summary>
/// <remarks>
/// In-flight records are bounded by the producer's <c>queue.buffering.max.messages</c> (librdkafka default 100000;
/// set <c>producer.queue.buffering.max.messages</c> to change it): when the queue is full, <see cref="Send"/> serves
/// delivery reports until there is room, up to <c>commit.timeout.ms</c>, then fails the task. Send and commit run on the
/// stream thread; delivery handlers run on the producer's poll thread and only touch the error slot and counters.
/// </remarks>
internal sealed class RecordCollector : IRecordCollector, IDisposable
{
    private readonly IProducer<byte[], byte[]> _producer;
    private readonly bool _transactional;
    private readonly TimeSpan _timeout;
    private readonly ILogger _logger;
    private readonly Action<DeliveryReport<byte[], byte[]>> _onDelivery;
    private readonly StreamsMetrics? _metrics;
    private readonly string? _deadLetterTopic;
    private readonly List<ProducedTally> _tallies = [];
    private Exception? _sendError;
    private long _inFlight;

    // Which tasks lost a delivery since the last ClearError (guarded by itself: written on the producer's poll thread),
    // and whether a send without a task (see Send) failed, which leaves the origin unknown.
    private readonly HashSet<TaskId> _failedTasks = [];
    private bool _unattributedFailure;

    public RecordCollector(
        IProducer<byte[], byte[]> producer, bool transactional, TimeSpan timeout, ILogger logger, StreamsMetrics? metrics = null, string? deadLetterTopic = null)
    {
        _deadLetterTopic = deadLetterTopic;
        _metrics = metrics;
        _producer = producer;
        _transactional = transactional;
        _timeout = timeout;
        _logger = logger;
        _onDelivery = report => OnDelivery(report, null);
    }

    public IProducer<byte[], byte[]> Producer => _producer;

    public bool InTransaction { get; private set; }

    public long InFlight => Interlocked.Read(ref _inFlight);

    public void InitTransactions()
    {
        if (_transactional) _producer.InitTransactions(_timeout);
    }

    /// <remarks>
    /// An earlier delivery failure does not fail this send: processing goes on until the next commit, which fails and
    /// rewinds the tasks (failing here would kill the thread from inside a processor). A record the producer refuses
    /// synchronously as larger than <c>message.max.bytes</c> is replaced by a small dead letter (<see cref="SendTooLarge"/>):
    /// failing or rewinding would replay the same input into the same refusal forever. Other local refusals (unknown
    /// partition) throw <see cref="StreamsException"/>, which fails the thread; one refused with a broker error the client
    /// cached for the topic counts as a failed delivery.
    /// </remarks>
    public void Send(string topic, int? partition, byte[]? key, byte[]? value, long timestampMs, Headers? headers) =>
        SendReporting(topic, partition, key, value, timestampMs, headers, _onDelivery);

    /// <summary>A task's view of this collector, whose failed deliveries name the task (see <see cref="FailedTasks"/>).</summary>
    public TaskRecordCollector ForTask(TaskId task) => new(this, task);

    /// <summary>As <see cref="Send"/>, reporting the delivery to <paramref name="onDelivery"/>.</summary>
    internal void SendReporting(string topic, int? partition, byte[]? key, byte[]? value, long timestampMs, Headers? headers, Action<DeliveryReport<byte[], byte[]>> onDelivery)
    {
        if (_transactional && !InTransaction)
        {
            _producer.BeginTransaction();
            InTransaction = true;
        }
        var message = new Message<byte[], byte[]> { Key = key!, Value = value!, Timestamp = new Timestamp(timestampMs, TimestampType.CreateTime), Headers = headers };
        // Read the clock only once the queue is full: most sends never wait.
        DateTime? deadline = null;
        while (true)
        {
            try
            {
                Interlocked.Increment(ref _inFlight);
                if (partition is { } p) _producer.Produce(new TopicPartition(topic, new Partition(p)), message, onDelivery);
                else _producer.Produce(topic, message, onDelivery);
                if (_metrics is not null) Tally(topic).Add((key?.Length ?? 0) + (value?.Length ?? 0));
                return;
            }
            catch (ProduceException<byte[], byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull && DateTime.UtcNow < (deadline ??= DateTime.UtcNow + _timeout))
            {
                Interlocked.Decrement(ref _inFlight);
                _producer.Poll(TimeSpan.FromMilliseconds(50));
            }
            catch (ProduceException<byte[], byte[]> ex) when (ex.Error.Code == ErrorCode.MsgSizeTooLarge && _deadLetterTopic is not null)
            {
                // Before the broker-error case: MsgSizeTooLarge is a broker error code, but reporting it as a failed
                // delivery would rewind the task into the same refusal at every commit.
                Interlocked.Decrement(ref _inFlight);
                SendTooLarge(topic, key, value, timestampMs, headers, ex.Error.Reason, onDelivery);
                if (_metrics is not null) Tally(_deadLetterTopic).Add(Math.Min(key?.Length ?? 0, MaxDeadLetterKeyBytes));
                return;
            }
            catch (ProduceException<byte[], byte[]> ex) when (ex.Error.IsBrokerError)
            {
                // A broker error the client remembers for the topic (e.g. authorization) refuses the record at once: the
                // record is lost like a failed delivery, so report it as one (the handler takes it off the in-flight
                // count); the next commit fails and rewinds the task that sent it, instead of killing the thread.
                onDelivery(new DeliveryReport<byte[], byte[]>
                {
                    Error = ex.Error,
                    Message = message,
                    TopicPartitionOffset = new TopicPartitionOffset(topic, partition is { } pp ? new Partition(pp) : Partition.Any, Offset.Unset),
                });
                return;
            }
            catch (Exception ex)
            {
                Interlocked.Decrement(ref _inFlight);
                throw new StreamsException($"could not send a record to {topic}{(partition is null ? "" : $"-{partition}")}: {ex.Message}", ex);
            }
        }
    }

    /// <summary>Keys longer than this are left off a too-large dead letter, so the dead letter itself always fits.</summary>
    internal const int MaxDeadLetterKeyBytes = 1024;

    /// <summary>Headers of the refused record are kept on its dead letter only up to this many bytes in all.</summary>
    internal const int MaxDeadLetterHeaderBytes = 16 * 1024;

    /// <summary>The <c>x-error-kind</c> of a record the producer or the broker refused as too large.</summary>
    internal const string TooLargeKind = "record-too-large";

    /// <summary>
    /// Sends, instead of a record refused as too large, a dead letter without its value: the key (when short), the record's
    /// own headers (when small), the topic it was meant for and the reason. Safe from the producer's poll thread (no
    /// tally); a dead letter that cannot be queued is reported to <paramref name="onDelivery"/> as a failed delivery.
    /// </summary>
    private void SendTooLarge(
        string topic, byte[]? key, byte[]? value, long timestampMs, Headers? original, string reason, Action<DeliveryReport<byte[], byte[]>> onDelivery)
    {
        var headers = new Headers();
        if (original is not null)
        {
            int bytes = 0;
            foreach (var h in original) bytes += h.Key.Length + (h.GetValueBytes()?.Length ?? 0);
            if (bytes <= MaxDeadLetterHeaderBytes)
            {
                foreach (var h in original) headers.Add(h.Key, h.GetValueBytes());
            }
        }
        int size = (key?.Length ?? 0) + (value?.Length ?? 0);
        string why = string.Create(CultureInfo.InvariantCulture,
            $"a record of {size} bytes (key {key?.Length ?? 0}, value {value?.Length ?? 0}) for {topic} was refused as larger than message.max.bytes: {reason}");
        headers.Add(DeadLetterHeaders.TargetTopic, Encoding.UTF8.GetBytes(topic));
        headers.Add(DeadLetterHeaders.ErrorReason, Encoding.UTF8.GetBytes(why));
        headers.Add(DeadLetterHeaders.ErrorKind, Encoding.UTF8.GetBytes(TooLargeKind));
        var letter = new Message<byte[], byte[]>
        {
            Key = key is { Length: <= MaxDeadLetterKeyBytes } ? key : null!,
            Value = null!,
            Timestamp = new Timestamp(timestampMs, TimestampType.CreateTime),
            Headers = headers,
        };
        try
        {
            Interlocked.Increment(ref _inFlight);
            _producer.Produce(_deadLetterTopic!, letter, onDelivery);
        }
        catch (Exception ex)
        {
            // Reported as a failed delivery of the dead letter (the handler takes it off the in-flight count and names
            // the task), so the next commit fails and rewinds rather than loses the record.
            _logger.LogError("Could not dead-letter a too-large record for {Topic}: {Error}", topic, ex.Message);
            onDelivery(new DeliveryReport<byte[], byte[]>
            {
                Error = ex is KafkaException kafka ? kafka.Error : new Error(ErrorCode.Local_Fail, ex.Message),
                Message = letter,
                TopicPartitionOffset = new TopicPartitionOffset(_deadLetterTopic!, Partition.Any, Offset.Unset),
            });
            return;
        }
        _metrics?.RecordTooLarge();
        _metrics?.RecordDeadLettered();
        _logger.LogWarning("Dead-lettered to {DeadLetterTopic}: {Reason}", _deadLetterTopic, why);
    }

    /// <summary>
    /// The topic's tally. Sinks and changelogs pass the same topic string record after record, so a reference match in
    /// this short list (one entry per topic the thread writes) nearly always answers without hashing the name.
    /// </summary>
    private ProducedTally Tally(string topic)
    {
        List<ProducedTally> tallies = _tallies;
        for (int i = 0; i < tallies.Count; i++)
            if (ReferenceEquals(tallies[i].Topic, topic)) return tallies[i];
        for (int i = 0; i < tallies.Count; i++)
            if (string.Equals(tallies[i].Topic, topic, StringComparison.Ordinal)) return tallies[i];
        ProducedTally tally = _metrics!.ProducedTo(topic);
        tallies.Add(tally);
        return tally;
    }

    /// <summary>Waits until every send is acknowledged; throws <see cref="StreamsException"/> if any failed or the timeout passed.</summary>
    public void Flush()
    {
        int left = _producer.Flush(_timeout);
        ThrowIfFailed();
        if (left > 0) throw new StreamsException($"{left} records were not acknowledged within commit.timeout.ms ({_timeout.TotalMilliseconds:0} ms)");
    }

    /// <summary>Adds the offsets to the open transaction (beginning one if needed) and commits it.</summary>
    /// <exception cref="KafkaException">Abortable errors come as <see cref="KafkaTxnRequiresAbortException"/>; the caller aborts.</exception>
    public void CommitTransaction(IReadOnlyList<TopicPartitionOffset> offsets, IConsumerGroupMetadata groupMetadata)
    {
        ThrowIfFailed();
        if (!InTransaction)
        {
            if (offsets.Count == 0) return;
            _producer.BeginTransaction();
            InTransaction = true;
        }
        if (offsets.Count > 0) _producer.SendOffsetsToTransaction(offsets, groupMetadata, _timeout);
        _producer.CommitTransaction(_timeout);
        InTransaction = false;
        ThrowIfFailed();
    }

    /// <summary>Aborts the open transaction, if any; its outputs and changelog writes are discarded by read_committed readers.</summary>
    public void AbortTransaction()
    {
        if (!InTransaction) return;
        try
        {
            _producer.AbortTransaction(_timeout);
        }
        finally
        {
            InTransaction = false;
        }
    }

    /// <summary>Forgets a delivery error once the tasks have been rewound to the last commit.</summary>
    public void ClearError()
    {
        lock (_failedTasks)
        {
            _failedTasks.Clear();
            _unattributedFailure = false;
            Interlocked.Exchange(ref _sendError, null);
        }
    }

    /// <summary>
    /// The tasks whose deliveries failed since the last <see cref="ClearError"/>, or null when a failure cannot be
    /// attributed (a send outside a task's collector); empty when nothing failed.
    /// </summary>
    public IReadOnlyCollection<TaskId>? FailedTasks()
    {
        lock (_failedTasks) return _unattributedFailure ? null : [.. _failedTasks];
    }

    public void Dispose() => _producer.Dispose();

    private void ThrowIfFailed()
    {
        var error = Volatile.Read(ref _sendError);
        if (error is not null) throw new StreamsException("an earlier send failed; outputs since the last commit may be lost: " + error.Message, error);
    }

    internal void OnDelivery(DeliveryReport<byte[], byte[]> report, TaskId? origin)
    {
        Interlocked.Decrement(ref _inFlight);
        if (report.Error.Code == ErrorCode.NoError) return;
        // The broker's (or the topic's) limit can be lower than the producer's: the refusal then comes here. Outside a
        // transaction the record can be replaced by its dead letter like a local refusal; inside one the transaction is
        // already doomed to abort, so the error stands.
        if (report.Error.Code == ErrorCode.MsgSizeTooLarge && !_transactional && _deadLetterTopic is not null
            && !string.Equals(report.Topic, _deadLetterTopic, StringComparison.Ordinal))
        {
            var m = report.Message;
            SendTooLarge(report.Topic, m?.Key, m?.Value, m?.Timestamp.UnixTimestampMs ?? 0, m?.Headers, report.Error.Reason, r => OnDelivery(r, origin));
            return;
        }
        lock (_failedTasks)
        {
            if (origin is { } task) _failedTasks.Add(task);
            else _unattributedFailure = true;
        }
        var error = new StreamsException(
            $"delivery to {report.Topic}-{report.Partition.Value} failed: {report.Error.Code} {report.Error.Reason}", new KafkaException(report.Error),
            null, report.Topic, report.Partition.Value, report.Offset.Value);
        if (Interlocked.CompareExchange(ref _sendError, error, null) is null)
            _logger.LogError("Send failed: {Error}", error.Message);
    }
}
