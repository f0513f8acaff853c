namespace StreamAnalytics.Cli.Job;

/// <summary>
/// The job cannot start for a reason the operator can fix (missing topics on a cluster that cannot create them): the
/// message says what is wrong and what to do, and is reported as one line, without a stack trace.
/// </summary>
public sealed class JobStartException(string message) : Exception(message);
