using System.Text;
using StreamAnalytics.Streams.Api;
using StreamAnalytics.Streams.State;
using StreamAnalytics.Streams.Testing.State;

namespace StreamAnalytics.Streams.Tests.State;

public class ChangeLoggingKeyValueStoreTests
{
    private readonly FakeContext _context = new();

    private IKeyValueStore<string, long> NewStore(bool logging = true)
    {
        var builder = Stores.InMemoryKeyValueStore("counts", Serdes.String, Serdes.Int64);
        if (!logging) builder.WithLoggingDisabled();
        var store = builder.Build();
        store.Init(_context);
        return store;
    }

    [Fact]
    public void A_put_is_stored_and_then_logged_with_the_serialized_key_and_value()
    {
        var store = NewStore();
        store.Put("a", 7);
        Assert.True(store.TryGet("a", out long v));
        Assert.Equal(7, v);
        var (key, value) = Assert.Single(_context.Log);
        Assert.Equal("a", Encoding.UTF8.GetString(key));
        Assert.Equal(Serdes.Int64.Serializer.Serialize(7, default), value);
    }

    [Fact]
    public void A_delete_is_logged_as_a_tombstone()
    {
        var store = NewStore();
        store.Put("a", 1);
        Assert.True(store.Delete("a"));
        Assert.False(store.TryGet("a", out _));
        Assert.Null(_context.Log[^1].Value);
    }

    [Fact]
    public void Deleting_a_missing_key_still_logs_a_tombstone()
    {
        var store = NewStore();
        Assert.False(store.Delete("nope"));
        Assert.Null(Assert.Single(_context.Log).Value);
    }

    [Fact]
    public void Restored_records_fill_the_store_without_being_logged_again()
    {
        var store = NewStore();
        var key = Encoding.UTF8.GetBytes("k");
        _context.Restore!(key, Serdes.Int64.Serializer.Serialize(3, default), isTombstone: false);
        _context.Restore!(Encoding.UTF8.GetBytes("gone"), Serdes.Int64.Serializer.Serialize(1, default), isTombstone: false);
        _context.Restore!(Encoding.UTF8.GetBytes("gone"), default, isTombstone: true);
        Assert.True(store.TryGet("k", out long v));
        Assert.Equal(3, v);
        Assert.False(store.TryGet("gone", out _));
        Assert.Equal(1, store.ApproximateNumEntries);
        Assert.Empty(_context.Log);
    }

    [Fact]
    public void A_store_without_logging_registers_but_never_writes_to_the_changelog()
    {
        var store = NewStore(logging: false);
        store.Put("a", 1);
        Assert.False(store.LoggingEnabled);
        Assert.NotNull(_context.Restore);
        Assert.Empty(_context.Log);
    }

    [Fact]
    public void Keys_are_compared_by_their_bytes()
    {
        var store = NewStore();
        store.Put(new string('x', 3), 1);
        store.Put("xxx", 2);
        Assert.Equal(1, store.ApproximateNumEntries);
        Assert.Equal([new KeyValuePair<string, long>("xxx", 2)], store.All());
    }

    [Fact]
    public void A_closed_store_refuses_writes()
    {
        var store = NewStore();
        store.Close();
        Assert.Throws<InvalidOperationException>(() => store.Put("a", 1));
    }

    private sealed class FakeContext : IStateStoreContext, IChangelog
    {
        public List<(byte[] Key, byte[]? Value)> Log { get; } = new();

        public StateRestoreCallback? Restore { get; private set; }

        public string ApplicationId => "app";

        public TaskId TaskId => new(0, 0);

        public string? Topic => "app-counts-changelog";

        public IChangelog Register(IStateStore store, StateRestoreCallback restore)
        {
            Restore = restore;
            return this;
        }

        public void Append(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => Log.Add((key.ToArray(), value.ToArray()));

        public void AppendTombstone(ReadOnlySpan<byte> key) => Log.Add((key.ToArray(), null));
    }
}
