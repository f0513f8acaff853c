using StreamAnalytics.Streams.Api;
using StreamAnalytics.Streams.Errors;

namespace StreamAnalytics.Streams.Internals;

/// <summary>Runs a user processor; its context forwards to the node's children.</summary>
internal sealed class ProcessorNode<TKeyIn, TValueIn, TKeyOut, TValueOut>(string name, IProcessor<TKeyIn, TValueIn, TKeyOut, TValueOut> processor)
    : ProcessorNode(name), IRecordReceiver<TKeyIn, TValueIn>, IFlushableNode
{
    private ProcessorContextImpl<TKeyOut, TValueOut>? _context;
    private bool _initialized;

    public IFlushable? Flushable => processor as IFlushable;

    public IBackPressure? BackPressure => processor as IBackPressure;

    public override void Init(StreamTask task, IReadOnlySet<string> storeNames)
    {
        _context = new ProcessorContextImpl<TKeyOut, TValueOut>(task, this, storeNames);
        try
        {
            processor.Init(_context);
        }
        catch (Exception ex) when (ex is not StreamsException)
        {
            throw new StreamsException($"task {task.Id}: Init of processor '{Name}' failed: {ex.Message}", ex, task.Id);
        }
        _initialized = true;
    }

    public void Receive(Record<TKeyIn, TValueIn> record)
    {
        try
        {
            processor.Process(record);
        }
        catch (Exception ex) when (ex is not StreamsException)
        {
            var task = _context!.Task;
            var meta = task.CurrentMetadata;
            throw new StreamsException(
                $"task {task.Id}: processor '{Name}' failed on {(meta is null ? "a record forwarded by a punctuator" : $"{meta.Topic}-{meta.Partition}@{meta.Offset}")}: {ex.Message}",
                ex, task.Id, meta?.Topic, meta?.Partition, meta?.Offset);
        }
    }

    public override void Close()
    {
        if (!_initialized) return;
        _initialized = false;
        processor.Close();
    }
}

/// <summary>A node whose processor may hold outputs outside Kafka that must be flushed before a commit.</summary>
internal interface IFlushableNode
{
    IFlushable? Flushable { get; }

    /// <summary>The processor, when it can ask the runtime to stop feeding it (see <see cref="IBackPressure"/>).</summary>
    IBackPressure? BackPressure { get; }
}
