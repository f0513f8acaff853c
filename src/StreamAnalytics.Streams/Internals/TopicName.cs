namespace StreamAnalytics.Streams.Internals;

/// <summary>
/// A topic as the topology names it: external topics keep their name; internal ones (repartition topics) are named
/// without the application id, which is only known when the topology runs (<c>{application.id}-{Name}</c>).
/// </summary>
internal readonly record struct TopicName(string Name, bool IsInternal)
{
    public string Resolve(string applicationId) => IsInternal ? $"{applicationId}-{Name}" : Name;

    public override string ToString() => IsInternal ? "${application.id}-" + Name : Name;
}
