using System.Diagnostics.CodeAnalysis;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Features.Aggregate;

/// <summary>
/// The series of one open window: the map by <see cref="AggregateKey"/> (names), which decides what a series is and
/// what the cardinality limit admits, and shortcuts in front of it that find a series without building and hashing
/// its four-part name key (the aggregator's per-span cost): by interned ids, by the one text a key is made from, and
/// by string instances.
/// </summary>
/// <remarks>
/// <para>A shortcut only ever points at a state the name map holds under the key the shortcut stands for, so a hit
/// gives the same state the name lookup would. What keeps that true:</para>
/// <list type="bullet">
/// <item>Only admitted series are remembered. An update the limiter redirects to the overflow series is not: the next
/// one goes through the name path again, where the limiter counts it (it counts updates, not series).</item>
/// <item>Interned ids only mean names within one <see cref="StringTable"/>: <see cref="BindIds"/> forgets the id
/// shortcut when a trace of another table arrives.</item>
/// <item>A text shortcut holds texts whose key is a function of the text alone (a service path; a
/// <c>service::operation</c> split at its separator), so the same text always means the same series.</item>
/// <item>String instances are compared by reference, so a different instance with the same text is merely a miss
/// (the name path finds the same series).</item>
/// <item>Restore replaces and removes states: it calls <see cref="ForgetShortcuts"/>.</item>
/// </list>
/// <para>Not thread-safe; owned by one <see cref="WindowedAggregator"/>.</para>
/// </remarks>
internal sealed class AggregateWindow(long startMs)
{
    /// <summary>
    /// Bound on the instance shortcut. Interned names give one entry per series, but features built with fresh strings
    /// would add one per update; past the bound it starts over rather than grow with the window.
    /// </summary>
    public const int MaxInstanceEntries = 16_384;

    private readonly Dictionary<long, AggregateState> _byIds = new();
    private readonly Dictionary<string, AggregateState> _servicePathsByText = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AggregateState> _spanCountsByText = new(StringComparer.Ordinal);
    private readonly Dictionary<InstanceKey, AggregateState> _byInstances = new();
    private StringTable? _idTable;

    public long StartMs { get; } = startMs;

    /// <summary>Every series of the window, in creation order (the order documents and changelog records come out in).</summary>
    public Dictionary<AggregateKey, AggregateState> Series { get; } = new();

    /// <summary>Series per kind, overflow series excluded: what the cardinality limit counts.</summary>
    public int[] SeriesPerKind { get; } = new int[AggregateKindNames.Count];

    /// <summary>Makes the id shortcut speak <paramref name="strings"/>' ids (forgetting it if it spoke another table's).</summary>
    public void BindIds(StringTable strings)
    {
        if (ReferenceEquals(strings, _idTable)) return;
        _byIds.Clear();
        _idTable = strings;
    }

    /// <summary>The operation series remembered for <paramref name="operationId"/> (see <see cref="OperationId"/>) of the bound table.</summary>
    public bool TryGetById(long operationId, [NotNullWhen(true)] out AggregateState? state) => _byIds.TryGetValue(operationId, out state);

    public void RememberId(long operationId, AggregateState state) => _byIds[operationId] = state;

    /// <summary>
    /// The servicePath or spanCount series remembered for <paramref name="text"/> (a path, or a
    /// <c>service::operation</c>). Only admitted series are remembered, so it holds at most about as many texts as the
    /// window has series of the kind.
    /// </summary>
    public bool TryGetByText(AggregateKind kind, string text, [NotNullWhen(true)] out AggregateState? state) =>
        ByText(kind).TryGetValue(text, out state);

    public void RememberText(AggregateKind kind, string text, AggregateState state) => ByText(kind)[text] = state;

    /// <summary>The series remembered for these string instances.</summary>
    public bool TryGetByInstances(in InstanceKey key, [NotNullWhen(true)] out AggregateState? state) => _byInstances.TryGetValue(key, out state);

    public void RememberInstances(in InstanceKey key, AggregateState state)
    {
        if (_byInstances.Count >= MaxInstanceEntries) _byInstances.Clear();
        _byInstances[key] = state;
    }

    // Ordinal string keys get the framework's fast hash, which switches to a randomized one if an input floods a bucket.
    private Dictionary<string, AggregateState> ByText(AggregateKind kind) =>
        kind == AggregateKind.ServicePath ? _servicePathsByText : _spanCountsByText;

    /// <summary>Drops every shortcut (the name map is untouched).</summary>
    public void ForgetShortcuts()
    {
        _byIds.Clear();
        _servicePathsByText.Clear();
        _spanCountsByText.Clear();
        _byInstances.Clear();
    }
}
