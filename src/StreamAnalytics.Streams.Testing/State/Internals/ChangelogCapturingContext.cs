using StreamAnalytics.Streams.Api;
using StreamAnalytics.Streams.State;

namespace StreamAnalytics.Streams.Testing.State.Internals;

/// <summary>Passes an inner store's registration through and keeps the changelog handle for the decorator above it.</summary>
internal sealed class ChangelogCapturingContext(IStateStoreContext outer) : IStateStoreContext
{
    public IChangelog? Changelog { get; private set; }

    public string ApplicationId => outer.ApplicationId;

    public TaskId TaskId => outer.TaskId;

    public IChangelog Register(IStateStore store, StateRestoreCallback restore)
    {
        Changelog = outer.Register(store, restore);
        return Changelog;
    }
}
