namespace StreamAnalytics.Streams.Internals;

/// <summary>
/// A node of one task's instantiated topology. Source nodes turn raw records into typed ones; processor nodes run a user
/// <c>IProcessor</c>; sink nodes serialize and hand records to the task's record collector.
/// </summary>
internal abstract class ProcessorNode(string name)
{
    public string Name { get; } = name;

    public List<ProcessorNode> Children { get; } = new();

    /// <summary>Called once per task, after its stores are restored, parents before children.</summary>
    public abstract void Init(StreamTask task, IReadOnlySet<string> storeNames);

    public abstract void Close();
}

/// <summary>A node that accepts typed records from its parent.</summary>
internal interface IRecordReceiver<TKey, TValue>
{
    void Receive(Api.Record<TKey, TValue> record);
}
