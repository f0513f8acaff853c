using StreamAnalytics.Streams.Api;
using StreamAnalytics.Streams.State;

namespace StreamAnalytics.Streams.Internals;

/// <summary>
/// The context of one processor node in one task: forwards to that node's children and reaches the stores connected to
/// that node; everything else (clocks, record metadata, scheduling, dead-lettering) is the task's.
/// </summary>
internal sealed class ProcessorContextImpl<TKeyOut, TValueOut> : IProcessorContext<TKeyOut, TValueOut>, IDeadLetterContext
{
    private readonly ProcessorNode _node;
    private readonly IReadOnlySet<string> _storeNames;
    private readonly IRecordReceiver<TKeyOut, TValueOut>[] _children;

    public ProcessorContextImpl(StreamTask task, ProcessorNode node, IReadOnlySet<string> storeNames)
    {
        Task = task;
        _node = node;
        _storeNames = storeNames;
        _children = new IRecordReceiver<TKeyOut, TValueOut>[node.Children.Count];
        for (int i = 0; i < _children.Length; i++) _children[i] = (IRecordReceiver<TKeyOut, TValueOut>)node.Children[i];
    }

    public StreamTask Task { get; }

    public string ApplicationId => Task.ApplicationId;

    public TaskId TaskId => Task.Id;

    public RecordMetadata? RecordMetadata => Task.CurrentMetadata;

    public long CurrentStreamTimeMs => Task.StreamTimeMs;

    public long CurrentSystemTimeMs => Task.WallClockMs;

    public void Forward(Record<TKeyOut, TValueOut> record)
    {
        for (int i = 0; i < _children.Length; i++) _children[i].Receive(record);
    }

    public void Forward(Record<TKeyOut, TValueOut> record, string childName)
    {
        for (int i = 0; i < _children.Length; i++)
        {
            if (string.Equals(_node.Children[i].Name, childName, StringComparison.Ordinal))
            {
                _children[i].Receive(record);
                return;
            }
        }
        throw new InvalidOperationException($"'{childName}' is not a child of processor '{_node.Name}' (children: {string.Join(", ", _node.Children.Select(c => c.Name))})");
    }

    public ICancellable Schedule(TimeSpan interval, PunctuationType type, IPunctuator punctuator) => Task.Schedule(interval, type, punctuator);

    public TStore GetStateStore<TStore>(string name) where TStore : class, IStateStore
    {
        if (!_storeNames.Contains(name))
            throw new InvalidOperationException($"store '{name}' is not connected to processor '{_node.Name}' (connect it with AddStateStore or ConnectProcessorAndStateStores)");
        var store = Task.StateManager.GetStore(name);
        return store as TStore
            ?? throw new InvalidOperationException($"store '{name}' is a {store.GetType().Name}, not a {typeof(TStore).Name}");
    }

    public void RequestCommit() => Task.RequestCommit();

    public void DeadLetter(string reason, string? kind = null) => Task.DeadLetterCurrent(reason, kind);
}
