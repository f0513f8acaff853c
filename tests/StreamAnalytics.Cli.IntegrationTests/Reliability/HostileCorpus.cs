using System.Text;
using StreamAnalytics.Formats;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Tools;
using StreamAnalytics.Tools.Logical;

namespace StreamAnalytics.Cli.IntegrationTests.Reliability;

/// <summary>
/// The hostile records of issue 8 as OTLP protobuf messages, built with fixed seeds (the large ones are generated
/// here rather than committed; the small hand-written ones are in testdata/hostile).
/// </summary>
public static class HostileCorpus
{
    /// <param name="Name">What the case is, for messages.</param>
    /// <param name="Value">The record value.</param>
    /// <param name="Undecodable">
    /// True when every decoder must refuse it. Random bytes and truncations are false: a random record can be a valid
    /// (empty) protobuf, and a cut at a field boundary leaves a valid, shorter message; they are counted, not asserted.
    /// </param>
    public sealed record Case(string Name, byte[] Value, bool Undecodable);

    private const long Start2026 = 1_790_000_000_000_000_000;

    public static string TestData(string file) => Path.Combine(AppContext.BaseDirectory, "testdata", "hostile", file);

    private static LogicalSpan S(string trace, string span, string? parent, string op = "GET /x", string service = "svc", long start = Start2026, long duration = 1_000_000) => new()
    {
        TraceId = trace, SpanId = span, ParentSpanId = parent, Service = service, Operation = op, Kind = SpanKind.Server,
        StartUnixNanos = start, DurationNanos = duration,
    };

    private static byte[] One(IReadOnlyList<LogicalSpan> spans) => SpanEncoders.Encode(SpanFormat.OtlpProto, spans, spans.Count).Single();

    /// <summary>Trace ids of the well-formed but hostile traces (each must come out as features).</summary>
    public static readonly IReadOnlyList<string> SemanticTraceIds =
    [
        "d0000000000000000000000000000001", "d0000000000000000000000000000002", "d0000000000000000000000000000003",
        "d0000000000000000000000000000004", "d0000000000000000000000000000005", "d0000000000000000000000000000006",
        "d0000000000000000000000000000007",
    ];

    /// <summary>Small cases: garbage, truncations, over-long lengths, wrong formats, and well-formed traces with hostile content.</summary>
    public static List<Case> Small()
    {
        var random = new Random(8008);
        var cases = new List<Case>();
        for (int i = 0; i < 20; i++)
        {
            var bytes = new byte[1 + random.Next(2000)];
            random.NextBytes(bytes);
            cases.Add(new($"random-{i}", bytes, false));
        }
        byte[] valid = One([S("e0000000000000000000000000000001", "1000000000000001", null), S("e0000000000000000000000000000001", "1000000000000002", "1000000000000001")]);
        for (int i = 0; i < 10; i++)
            cases.Add(new($"truncated-{i}", valid[..(1 + random.Next(valid.Length - 2))], false));
        // A length prefix claiming far more bytes than the record has, at the top and nested.
        cases.Add(new("over-long-top", [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x0A, 0x00], false));
        cases.Add(new("over-long-appended", [.. valid, 0x0A, 0xFF, 0xFF, 0xFF, 0x7F], false));
        cases.Add(new("wrong-format-otlp-json", SpanEncoders.Encode(SpanFormat.OtlpJson, [S("e0000000000000000000000000000002", "1000000000000001", null)], 10).Single(), true));
        // Not asserted: JSON text starting with '[' or '{' reads as protobuf start-group tags that the OTLP reader skips, so
        // these two decode to zero spans and are neither dead-lettered nor emitted (reported in RELIABILITY.md).
        cases.Add(new("wrong-format-zipkin-json", SpanEncoders.Encode(SpanFormat.ZipkinJson, [S("e0000000000000000000000000000003", "1000000000000001", null)], 10).Single(), false));
        cases.Add(new("wrong-format-json-file", File.ReadAllBytes(TestData("wrong-types.otlp.json")), false));
        // Invalid UTF-8 inside a well-formed protobuf: the service name's bytes replaced by C3 28.
        byte[] utf8 = One([S("e0000000000000000000000000000004", "1000000000000001", null, service: "SERVICE-NAME-XY")]);
        int at = IndexOf(utf8, Encoding.ASCII.GetBytes("SERVICE-NAME-XY"));
        utf8[at] = 0xC3;
        utf8[at + 1] = 0x28;
        cases.Add(new("invalid-utf8-service", utf8, false));

        string t1 = SemanticTraceIds[0], t2 = SemanticTraceIds[1], t3 = SemanticTraceIds[2], t4 = SemanticTraceIds[3], t5 = SemanticTraceIds[4], t6 = SemanticTraceIds[5], t7 = SemanticTraceIds[6];
        cases.Add(new("duplicate-span-ids", One([S(t1, "2000000000000001", null), S(t1, "2000000000000002", "2000000000000001"), S(t1, "2000000000000002", "2000000000000001", op: "other")]), false));
        cases.Add(new("parent-cycle", One([S(t2, "3000000000000001", "3000000000000002"), S(t2, "3000000000000002", "3000000000000001")]), false));
        cases.Add(new("self-parent", One([S(t3, "4000000000000001", "4000000000000001"), S(t3, "4000000000000002", null)]), false));
        cases.Add(new("negative-duration", One([S(t4, "5000000000000001", null, duration: -5_000_000_000)]), false));
        cases.Add(new("enormous-duration", One([S(t5, "6000000000000001", null, duration: long.MaxValue / 4)]), false));
        cases.Add(new("timestamp-1970", One([S(t6, "7000000000000001", null, start: 1)]), false));
        cases.Add(new("timestamp-2200", One([S(t7, "8000000000000001", null, start: 7_258_118_400_000_000_000)]), false));
        cases.Add(new("all-zero-ids", One([S("00000000000000000000000000000000", "0000000000000000", null)]), false));
        cases.Add(new("short-ids", One([S("abcd", "12", null)]), false));
        return cases;
    }

    /// <summary>One trace of <paramref name="spans"/> spans (a root and a flat fan-out), in messages of 1000 spans.</summary>
    public static IEnumerable<byte[]> HugeTrace(string traceId, int spans)
    {
        var batch = new List<LogicalSpan>(1000);
        for (int i = 0; i < spans; i++)
        {
            batch.Add(S(traceId, (0x1000000000000000UL + (ulong)i).ToString("x16"), i == 0 ? null : "1000000000000000", op: "fan-out", start: Start2026 + i));
            if (batch.Count == 1000) { yield return One(batch); batch.Clear(); }
        }
        if (batch.Count > 0) yield return One(batch);
    }

    /// <summary><paramref name="operations"/> distinct operation names, 20 per trace, in messages of 1000 spans.</summary>
    public static IEnumerable<byte[]> CardinalityAttack(int operations)
    {
        var batch = new List<LogicalSpan>(1000);
        for (int i = 0; i < operations; i++)
        {
            string trace = "c" + (i / 20).ToString("x31");
            string span = (0x2000000000000000UL + (ulong)i).ToString("x16");
            string root = (0x2000000000000000UL + (ulong)(i / 20 * 20)).ToString("x16");
            batch.Add(S(trace, span, i % 20 == 0 ? null : root, op: "op-" + i.ToString("x"), start: Start2026 + i * 1000L));
            if (batch.Count == 1000) { yield return One(batch); batch.Clear(); }
        }
        if (batch.Count > 0) yield return One(batch);
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
            if (haystack.AsSpan(i, needle.Length).SequenceEqual(needle)) return i;
        throw new InvalidOperationException("marker not found");
    }
}
