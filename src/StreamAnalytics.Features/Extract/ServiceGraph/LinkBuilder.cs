using StreamAnalytics.Features.Extract.Tree;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Features.Extract.ServiceGraph;

/// <summary>
/// Derives the service dependency edges of one trace under one <see cref="LinkSemantics"/>. The rules, and where
/// each comes from, are in this folder's README.md.
/// </summary>
/// <remarks>
/// Works on the shared <see cref="TraceTree"/>; one pass over the spans per rule set, no recursion, no strings except
/// edge names. Not thread-safe: one instance per extractor.
/// </remarks>
internal sealed class LinkBuilder
{
    private readonly EdgeSet _edges = new();

    // Zipkin only: per-span kind/error after merging duplicates, and the nearest ancestor that has a kind.
    private SpanKind[] _zkind = [];
    private bool[] _zerror = [];
    private bool[] _merged = [];
    private int[] _kindedAncestor = [];

    /// <summary>The rule set <see cref="LinkSemantics.Auto"/> picks for this trace (other values pass through).</summary>
    public static LinkSemantics Resolve(LinkSemantics configured, TraceTree tree)
    {
        if (configured != LinkSemantics.Auto) return configured;
        // By the input format first: what the user compares us to is that format's own tool. Jaeger's dependency job
        // runs Zipkin's linker over Jaeger spans, so Jaeger input gets the Zipkin rules too.
        switch (tree.SourceFlags)
        {
            case SpanFlags.SourceZipkin:
            case SpanFlags.SourceJaeger:
                return LinkSemantics.Zipkin;
            case SpanFlags.SourceOtlp:
                return LinkSemantics.OpenTelemetry;
        }
        // No (or mixed) source format: what the spans can tell. The tree noted them while indexing: no pass here.
        if (tree.SharedHalfCount > 0 || tree.AnyFlaggedShared) return LinkSemantics.Zipkin;
        return tree.AnyKind ? LinkSemantics.OpenTelemetry : LinkSemantics.Parent;
    }

    /// <summary>
    /// Appends the edges of the trace, aggregated per (client, server, connection type) and sorted, to
    /// <paramref name="into"/>, which must be empty.
    /// </summary>
    public void Build(TraceTree tree, ReadOnlySpan<Span> spans, StringTable strings, LinkSemantics semantics, List<Edge> into)
    {
        _edges.Reset(strings);
        switch (Resolve(semantics, tree))
        {
            case LinkSemantics.Zipkin:
                AddZipkin(tree, spans);
                break;
            case LinkSemantics.OpenTelemetry:
                // Under auto, a cross-service pair no caller/callee pair explains still gives an edge (the parent rule).
                AddOpenTelemetry(tree, spans, parentRule: semantics == LinkSemantics.Auto);
                break;
            default:
                AddParent(tree, spans);
                break;
        }
        if (_zkind.Length > TraceTree.RetainedCapacity)
        {
            _zkind = [];
            _zerror = [];
            _merged = [];
            _kindedAncestor = [];
        }
        _edges.MoveSortedTo(into);
    }

    private static long DurationUs(TraceTree tree, int i) => tree.EndUs[i] - tree.StartUs[i];

    private static bool IsCallerKind(SpanKind k) => k is SpanKind.Client or SpanKind.Producer;
    private static bool IsCalleeKind(SpanKind k) => k is SpanKind.Server or SpanKind.Consumer;

    // ---- Parent (issue 3): the plain rule ----

    private void AddParent(TraceTree tree, ReadOnlySpan<Span> spans)
    {
        ReadOnlySpan<int> parent = tree.Parent;
        for (int i = 0; i < spans.Length; i++)
        {
            if (IsPieceOfEarlierSpan(tree, spans, i)) continue;
            ref readonly Span s = ref spans[i];
            int p = parent[i];
            if (p >= 0 && spans[p].Service != s.Service)
                _edges.Add(spans[p].Service, s.Service, ConnectionType.Direct, s.IsError, DurationUs(tree, i));
            if (IsCallerKind(s.Kind) && tree.ChildCount(i) == 0 && s.PeerKind != PeerKind.None)
                _edges.Add(s.Service, s.Peer, PeerConnection(s.PeerKind), s.IsError, DurationUs(tree, i));
        }
    }

    private static ConnectionType PeerConnection(PeerKind kind) => kind switch
    {
        PeerKind.Database => ConnectionType.Database,
        PeerKind.Messaging => ConnectionType.Messaging,
        _ => ConnectionType.Virtual,
    };

    /// <summary>Issue 9: when neither span of a parent/child pair has a kind, a change of service is one call.</summary>
    private void AddKindlessPair(TraceTree tree, ReadOnlySpan<Span> spans, int i, int p)
    {
        ref readonly Span s = ref spans[i];
        if (s.Kind == SpanKind.Unspecified && spans[p].Kind == SpanKind.Unspecified && spans[p].Service != s.Service)
            _edges.Add(spans[p].Service, s.Service, ConnectionType.Direct, s.IsError, DurationUs(tree, i));
    }

    // ---- OpenTelemetry: servicegraph connector ----

    private void AddOpenTelemetry(TraceTree tree, ReadOnlySpan<Span> spans, bool parentRule)
    {
        ReadOnlySpan<int> parent = tree.Parent;
        for (int i = 0; i < spans.Length; i++)
        {
            if (IsPieceOfEarlierSpan(tree, spans, i)) continue; // the connector keys spans by id: one call per span
            ref readonly Span s = ref spans[i];
            int p = parent[i];
            if (IsCallerKind(s.Kind))
            {
                if (s.PeerKind == PeerKind.Database)
                {
                    // The connector completes a database edge from the client span alone (server = db name).
                    _edges.Add(s.Service, s.Peer, ConnectionType.Database, s.IsError, DurationUs(tree, i));
                    continue;
                }
                bool paired = false;
                foreach (int c in tree.ChildrenOf(i))
                {
                    SpanKind ck = spans[c].Kind;
                    if (!IsCalleeKind(ck)) continue;
                    var type = s.Kind == SpanKind.Producer || ck == SpanKind.Consumer ? ConnectionType.Messaging : ConnectionType.Direct;
                    _edges.Add(s.Service, spans[c].Service, type, s.IsError || spans[c].IsError, DurationUs(tree, c));
                    paired = true;
                }
                if (!paired)
                {
                    // Expired client half: virtual server named by the peer attributes, "unknown" when there are none.
                    int peer = s.PeerKind != PeerKind.None ? s.Peer : StringTable.Unknown;
                    _edges.Add(s.Service, peer, ConnectionType.Virtual, s.IsError, DurationUs(tree, i));
                }
            }
            else if (IsCalleeKind(s.Kind))
            {
                bool pairedWithCaller = p >= 0 && IsCallerKind(spans[p].Kind);
                // The connector gives the virtual client "user" only to a server half whose parent span id is empty;
                // a server under a non-client parent (or a missing one) expires without an edge.
                if (!pairedWithCaller && s.ParentSpanId.IsEmpty && !tree.IsSharedHalf(i))
                    _edges.Add(EdgeSet.UserNode, s.Service, ConnectionType.Virtual, s.IsError, DurationUs(tree, i));
            }
            if (p < 0) continue;
            if (parentRule) AddUnexplainedPair(tree, spans, i, p);
            else AddKindlessPair(tree, spans, i, p);
        }
    }

    /// <summary>
    /// The parent rule under <c>auto</c> (issue 18): OpenTelemetry SDKs default a span's kind to INTERNAL, so manual
    /// instrumentation often sends cross-service parent/child spans with no client/server pair at all. A change of
    /// service is one <c>direct</c> call parent→child unless the parent is a Client/Producer, whose own rule above
    /// already counted the call (paired with a Server/Consumer child, or as a virtual edge).
    /// </summary>
    private void AddUnexplainedPair(TraceTree tree, ReadOnlySpan<Span> spans, int i, int p)
    {
        ref readonly Span s = ref spans[i];
        if (spans[p].Service == s.Service || IsCallerKind(spans[p].Kind)) return;
        _edges.Add(spans[p].Service, s.Service, ConnectionType.Direct, s.IsError, DurationUs(tree, i));
    }

    // ---- Zipkin: zipkin2 DependencyLinker ----

    private void AddZipkin(TraceTree tree, ReadOnlySpan<Span> spans)
    {
        int n = spans.Length;
        if (_zkind.Length < n)
        {
            _zkind = new SpanKind[n];
            _zerror = new bool[n];
            _merged = new bool[n];
            _kindedAncestor = new int[n];
        }
        for (int i = 0; i < n; i++)
        {
            SpanKind k = spans[i].Kind;
            // Zipkin has no INTERNAL kind: a local span is one without kind.
            _zkind[i] = k == SpanKind.Internal ? SpanKind.Unspecified : k;
            _zerror[i] = spans[i].IsError;
            _merged[i] = false;
        }
        MergeDuplicates(tree, spans);
        FindKindedAncestors(tree);

        int primary = tree.PrimaryRoot;
        ReadOnlySpan<int> parent = tree.Parent;
        for (int i = 0; i < n; i++)
        {
            if (_merged[i]) continue;
            ref readonly Span s = ref spans[i];
            if (parent[i] >= 0 && !_merged[parent[i]] && RemoteService(spans[parent[i]]) == StringTable.None
                && Known(s.Service) && Known(spans[parent[i]].Service))
            {
                AddKindlessPair(tree, spans, i, parent[i]);
            }

            SpanKind kind = _zkind[i];
            // Zipkin's tree also hangs every other root (orphans, late roots) under the first root.
            int zipkinChildren = tree.ChildCount(i) + (i == primary ? tree.RootCount - 1 : 0);
            if (kind == SpanKind.Client && zipkinChildren > 0) continue; // the server half names the callee

            int local = Known(s.Service) ? s.Service : StringTable.None;
            int remote = RemoteService(s);
            if (kind == SpanKind.Unspecified)
            {
                if (local == StringTable.None || remote == StringTable.None) continue; // not a remote span
                kind = SpanKind.Client;
            }

            int caller, callee;
            if (IsCalleeKind(kind))
            {
                callee = local;
                caller = remote;
            }
            else
            {
                caller = local;
                callee = remote;
            }
            bool error = _zerror[i];
            long durationUs = DurationUs(tree, i);

            if (kind is SpanKind.Producer or SpanKind.Consumer)
            {
                // Messaging links only through a broker named by the remote endpoint: producer→broker, broker→consumer.
                if (caller != StringTable.None && callee != StringTable.None)
                    _edges.Add(caller, callee, ConnectionType.Messaging, error, durationUs);
                continue;
            }

            int a = _kindedAncestor[i];
            if (a >= 0 && Known(spans[a].Service))
            {
                int ancestorService = spans[a].Service;
                // A client whose service differs from its nearest kinded ancestor reveals a missing server span.
                if (kind == SpanKind.Client && local != StringTable.None && ancestorService != local)
                    _edges.Add(ancestorService, local, ConnectionType.Direct, false, durationUs);
                if (kind == SpanKind.Server || caller == StringTable.None) caller = ancestorService;
                // A server inherits the error of the client that is its direct parent (by id, as Zipkin compares).
                if (!error && _zkind[a] == SpanKind.Client && s.ParentSpanId == spans[a].SpanId) error = _zerror[a];
            }
            if (caller != StringTable.None && callee != StringTable.None)
                _edges.Add(caller, callee, ConnectionType.Direct, error, durationUs);
        }
    }

    /// <summary>
    /// True when span <paramref name="i"/> reuses the id of an earlier span with the same shared flag and a compatible
    /// service: one span reported in pieces (a Zipkin span whose parent id arrives in a later report), which every rule
    /// set counts once. A duplicate id in another service is a collision and counts on its own.
    /// </summary>
    private static bool IsPieceOfEarlierSpan(TraceTree tree, ReadOnlySpan<Span> spans, int i)
    {
        if (tree.DuplicateCount == 0) return false;
        int d = tree.DuplicateOf[i];
        if (d < 0) return false;
        bool sameShared = (spans[i].Flags & SpanFlags.Shared) == (spans[d].Flags & SpanFlags.Shared);
        return sameShared && (spans[i].Service == spans[d].Service || !Known(spans[i].Service) || !Known(spans[d].Service));
    }

    /// <summary>Zipkin merges spans reported in pieces (same id, same shared flag, compatible service): count once.</summary>
    private void MergeDuplicates(TraceTree tree, ReadOnlySpan<Span> spans)
    {
        if (tree.DuplicateCount == 0) return;
        ReadOnlySpan<int> duplicateOf = tree.DuplicateOf;
        for (int i = 0; i < spans.Length; i++)
        {
            if (!IsPieceOfEarlierSpan(tree, spans, i)) continue;
            int d = duplicateOf[i];
            _merged[i] = true;
            _zerror[d] |= _zerror[i];
            if (_zkind[d] == SpanKind.Unspecified) _zkind[d] = _zkind[i] == SpanKind.Internal ? SpanKind.Unspecified : _zkind[i];
        }
    }

    /// <summary>
    /// Nearest ancestor with a kind, in Zipkin's tree (where roots other than the first hang under the first root),
    /// computed top-down in one pass so that a deep chain of kind-less spans costs O(n), not O(n·depth).
    /// </summary>
    private void FindKindedAncestors(TraceTree tree)
    {
        int primary = tree.PrimaryRoot;
        ReadOnlySpan<int> parent = tree.Parent;
        foreach (int i in tree.Order)
        {
            int zp = parent[i] >= 0 ? parent[i] : (i != primary ? primary : -1);
            if (zp < 0) _kindedAncestor[i] = -1;
            else if (_zkind[zp] != SpanKind.Unspecified) _kindedAncestor[i] = zp;
            // The primary root has no ancestor, so a secondary root never depends on an unfilled entry.
            else _kindedAncestor[i] = parent[i] >= 0 ? _kindedAncestor[zp] : -1;
        }
    }

    /// <summary>Zipkin's remote service name: only a remote endpoint's service name; an address alone gives no link.</summary>
    private static int RemoteService(in Span s) =>
        s.PeerKind == PeerKind.Service && Known(s.Peer) ? s.Peer : StringTable.None;

    private static bool Known(int name) => name != StringTable.None && name != StringTable.Unknown;
}
