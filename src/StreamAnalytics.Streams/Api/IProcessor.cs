namespace StreamAnalytics.Streams.Api;

/// <summary>
/// A node of a topology that receives records one at a time and may forward records to its children.
/// </summary>
/// <remarks>
/// Lifecycle: <see cref="Init"/> once per task (after its state stores are restored), then <see cref="Process"/>
/// for each record, then <see cref="Close"/> when the task is closed (revoked or shut down). All calls for one task happen
/// on one thread. Do not close state stores in <see cref="Close"/>: the runtime owns them. An exception thrown from
/// <see cref="Process"/> fails the task (the runtime logs it, does not commit, and rethrows as a StreamsException).
/// </remarks>
public interface IProcessor<TKeyIn, TValueIn, TKeyOut, TValueOut>
{
    void Init(IProcessorContext<TKeyOut, TValueOut> context);

    void Process(Record<TKeyIn, TValueIn> record);

    void Close();
}
