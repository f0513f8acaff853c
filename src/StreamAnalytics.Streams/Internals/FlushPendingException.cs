using StreamAnalytics.Streams.Api;
using StreamAnalytics.Streams.Errors;

namespace StreamAnalytics.Streams.Internals;

/// <summary>
/// A back-pressured processor (<see cref="IBackPressure"/>) has not confirmed its outputs within the flush bound: the
/// commit is skipped and retried at the next interval. Expected while a destination is down, so logged without a trace.
/// </summary>
internal sealed class FlushPendingException(string message, TaskId taskId) : StreamsException(message, null, taskId);
