using System.Text.Json;
using StreamAnalytics.Features.Extract;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Features.Tests.Extract.ServiceGraph;

/// <summary>
/// Golden cases: <c>testdata/extract/links/&lt;case&gt;.spans.json</c> (a trace in a small JSON of our own, plus the
/// link semantics to apply) against <c>&lt;case&gt;.expected.json</c>. The Zipkin cases re-express the scenarios of
/// zipkin2's DependencyLinkerTest; the OpenTelemetry ones follow the servicegraph connector's documented behaviour.
/// </summary>
public class LinkGoldenTests
{
    private static readonly string Dir = Path.Combine(AppContext.BaseDirectory, "testdata", "extract", "links");

    private static List<string> CaseNames() =>
        Directory.GetFiles(Dir, "*.spans.json")
            .Select(file => Path.GetFileName(file)[..^".spans.json".Length])
            .Order(StringComparer.Ordinal)
            .ToList();

    public static TheoryData<string> Cases() => new(CaseNames());

    [Fact]
    public void Every_rule_set_has_golden_cases()
    {
        var names = CaseNames();
        Assert.Contains(names, n => n.StartsWith("zipkin-", StringComparison.Ordinal));
        Assert.Contains(names, n => n.StartsWith("otel-", StringComparison.Ordinal));
        Assert.Contains(names, n => n.StartsWith("parent-", StringComparison.Ordinal));
        Assert.Contains(names, n => n.StartsWith("auto-", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Links_match_the_expected_file(string name)
    {
        (TestTrace trace, LinkSemantics semantics) = LoadSpans(File.ReadAllBytes(Path.Combine(Dir, name + ".spans.json")));
        var expected = LoadExpected(File.ReadAllBytes(Path.Combine(Dir, name + ".expected.json")));

        var actual = Features.Of(trace, semantics).Edges
            .Select(e => (e.Client, e.Server, e.ConnectionType, e.Calls, e.Errors))
            .ToList();

        Assert.Equal(expected, actual);
    }

    internal static (TestTrace Trace, LinkSemantics Semantics) LoadSpans(byte[] json)
    {
        using var doc = JsonDocument.Parse(json);
        JsonElement root = doc.RootElement;
        var semantics = root.GetProperty("semantics").GetString() switch
        {
            "zipkin" => LinkSemantics.Zipkin,
            "opentelemetry" => LinkSemantics.OpenTelemetry,
            "parent" => LinkSemantics.Parent,
            _ => LinkSemantics.Auto,
        };
        var trace = new TestTrace();
        int n = 0;
        foreach (JsonElement s in root.GetProperty("spans").EnumerateArray())
        {
            trace.Add(
                id: Convert.ToUInt64(s.GetProperty("id").GetString(), 16),
                parent: s.TryGetProperty("parent", out var p) ? Convert.ToUInt64(p.GetString(), 16) : 0,
                service: s.TryGetProperty("service", out var svc) ? svc.GetString() : null,
                startUs: s.TryGetProperty("startUs", out var st) ? st.GetInt64() : n * 10,
                durationUs: s.TryGetProperty("durationUs", out var d) ? d.GetInt64() : 5,
                kind: s.TryGetProperty("kind", out var k) ? Enum.Parse<SpanKind>(k.GetString()!, ignoreCase: true) : SpanKind.Unspecified,
                error: s.TryGetProperty("error", out var e) && e.GetBoolean(),
                peer: s.TryGetProperty("peer", out var peer) ? peer.GetString() : null,
                peerKind: s.TryGetProperty("peerKind", out var pk) ? Enum.Parse<PeerKind>(pk.GetString()!, ignoreCase: true) : PeerKind.Service,
                shared: s.TryGetProperty("shared", out var sh) && sh.GetBoolean());
            n++;
        }
        return (trace, semantics);
    }

    private static List<(string, string, string, int, int)> LoadExpected(byte[] json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("edges").EnumerateArray()
            .Select(e => (
                e.GetProperty("client").GetString()!,
                e.GetProperty("server").GetString()!,
                e.GetProperty("connectionType").GetString()!,
                e.GetProperty("calls").GetInt32(),
                e.GetProperty("errors").GetInt32()))
            .ToList();
    }
}
