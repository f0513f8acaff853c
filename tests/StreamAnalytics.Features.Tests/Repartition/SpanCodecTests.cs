using System.Buffers;
using System.Text;
using StreamAnalytics.Features.Repartition;
using StreamAnalytics.Formats;
using StreamAnalytics.Formats.Model;
using ModelSpan = StreamAnalytics.Formats.Model.Span;

namespace StreamAnalytics.Features.Tests.Repartition;

public sealed class SpanCodecTests
{
    private static readonly string[] Names =
    [
        "checkout", "GET /cart/{id}", "Ünïcödé-sërvïcé", "注文サービス", "🚀 launch 🛰️", "a", "x\u0301y", "db.query SELECT * FROM t",
        "Ελληνικά", "עברית", "   spaced   ", new string('z', 300),
    ];

    [Fact]
    public void Random_spans_with_unicode_names_survive_a_round_trip_through_a_different_string_table()
    {
        var random = new Random(20260101);
        var codec = new SpanCodec();
        for (int iteration = 0; iteration < 300; iteration++)
        {
            var source = new StringTable();
            ModelSpan[] spans = RandomSpans(random, source, random.Next(0, 40));
            var buffer = new ArrayBufferWriter<byte>();
            int written = codec.Encode(spans, source, buffer);
            Assert.Equal(buffer.WrittenCount, written);

            var target = new StringTable();
            target.Intern("something else first"); // so that ids differ between the two tables
            var batch = new SpanBatch();
            Assert.True(codec.TryDecode(buffer.WrittenSpan, target, batch, out var error), error.ToString());

            Assert.Equal(spans.Length, batch.Count);
            for (int i = 0; i < spans.Length; i++) AssertSameSpan(spans[i], source, batch.Spans[i], target);
        }
    }

    [Fact]
    public void Every_span_flag_survives_a_round_trip_follows_from_included()
    {
        // The open-traces changelog stores spans in this codec too, so this covers restore as well.
        var strings = new StringTable();
        var codec = new SpanCodec();
        var flags = new List<SpanFlags> { SpanFlags.FollowsFrom, SpanFlags.FollowsFrom | SpanFlags.SourceJaeger | SpanFlags.Error };
        for (int bit = 0; bit < 8; bit++) flags.Add((SpanFlags)(1 << bit));
        ModelSpan[] spans = RandomSpans(new Random(18), strings, flags.Count);
        for (int i = 0; i < spans.Length; i++) spans[i].Flags = flags[i];

        var batch = new SpanBatch();
        Assert.True(codec.TryDecode(Encode(codec, strings, spans), strings, batch, out var error), error.ToString());

        for (int i = 0; i < spans.Length; i++) Assert.Equal(flags[i], batch.Spans[i].Flags);
    }

    [Fact]
    public void Decoding_appends_to_the_batch_and_a_failure_leaves_earlier_spans_in_place()
    {
        var strings = new StringTable();
        var codec = new SpanCodec();
        var good = Encode(codec, strings, RandomSpans(new Random(1), strings, 3));
        var batch = new SpanBatch();

        Assert.True(codec.TryDecode(good, strings, batch, out _));
        Assert.True(codec.TryDecode(good, strings, batch, out _));
        Assert.Equal(6, batch.Count);
        Assert.False(codec.TryDecode(good.AsSpan(0, good.Length - 1), strings, batch, out var error));
        Assert.Equal(6, batch.Count);
        Assert.Equal(SpanCodecErrorKind.Malformed, error.Kind);
    }

    [Fact]
    public void Random_bytes_truncations_and_bit_flips_never_throw_and_never_leave_half_a_message()
    {
        var random = new Random(42);
        var strings = new StringTable();
        var codec = new SpanCodec(maxSpansPerRecord: 10_000, maxStringBytes: 1_024);
        var batch = new SpanBatch();

        for (int i = 0; i < 5_000; i++)
        {
            var bytes = new byte[random.Next(0, 200)];
            random.NextBytes(bytes);
            if (bytes.Length > 0 && random.Next(2) == 0) bytes[0] = SpanCodec.Version;
            Decode(bytes);
        }

        byte[] valid = Encode(codec, strings, RandomSpans(random, strings, 5));
        for (int cut = 0; cut < valid.Length; cut++) Assert.False(Decode(valid.AsSpan(0, cut).ToArray()));
        for (int i = 0; i < 2_000; i++)
        {
            byte[] flipped = (byte[])valid.Clone();
            flipped[random.Next(flipped.Length)] ^= (byte)(1 << random.Next(8));
            Decode(flipped);
        }

        bool Decode(byte[] input)
        {
            batch.Clear();
            bool ok = codec.TryDecode(input, strings, batch, out var error);
            if (!ok)
            {
                Assert.Equal(0, batch.Count);
                Assert.NotEqual(SpanCodecErrorKind.None, error.Kind);
                Assert.False(string.IsNullOrEmpty(error.ToString()));
            }
            return ok;
        }
    }

    [Fact]
    public void Trailing_bytes_an_unknown_version_and_an_empty_value_are_rejected_with_their_kind()
    {
        var strings = new StringTable();
        var codec = new SpanCodec();
        byte[] valid = Encode(codec, strings, RandomSpans(new Random(7), strings, 2));
        var batch = new SpanBatch();

        Assert.False(codec.TryDecode([.. valid, 0], strings, batch, out var trailing));
        Assert.Equal(SpanCodecErrorKind.Malformed, trailing.Kind);
        Assert.False(codec.TryDecode([2, .. valid[1..]], strings, batch, out var version));
        Assert.Equal(SpanCodecErrorKind.UnsupportedVersion, version.Kind);
        Assert.False(codec.TryDecode([], strings, batch, out var empty));
        Assert.Equal(SpanCodecErrorKind.Empty, empty.Kind);
    }

    [Fact]
    public void A_string_longer_than_the_limit_is_rejected_as_a_limit()
    {
        var strings = new StringTable();
        var span = new ModelSpan { TraceId = new TraceId(1, 2), SpanId = new SpanId(3), Service = strings.Intern(new string('s', 100)) };
        byte[] bytes = Encode(new SpanCodec(), strings, [span]);

        Assert.False(new SpanCodec(maxStringBytes: 99).TryDecode(bytes, strings, new SpanBatch(), out var error));
        Assert.Equal(SpanCodecErrorKind.LimitExceeded, error.Kind);
    }

    [Fact]
    public void Reserved_name_ids_keep_their_meaning_without_being_written()
    {
        var strings = new StringTable();
        var span = new ModelSpan
        {
            TraceId = new TraceId(0, 9), SpanId = new SpanId(1),
            Service = StringTable.Unknown, Operation = StringTable.Overflow, Peer = StringTable.None,
        };
        byte[] bytes = Encode(new SpanCodec(), strings, [span]);
        var batch = new SpanBatch();

        Assert.True(new SpanCodec().TryDecode(bytes, new StringTable(), batch, out _));
        Assert.Equal(StringTable.Unknown, batch.Spans[0].Service);
        Assert.Equal(StringTable.Overflow, batch.Spans[0].Operation);
        Assert.Equal(StringTable.None, batch.Spans[0].Peer);
        Assert.Equal(-1, bytes.AsSpan().IndexOf("unknown"u8));
        Assert.Equal(-1, bytes.AsSpan().IndexOf("__overflow__"u8));
    }

    private static byte[] Encode(SpanCodec codec, StringTable strings, ModelSpan[] spans)
    {
        var buffer = new ArrayBufferWriter<byte>();
        codec.Encode(spans, strings, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    internal static ModelSpan[] RandomSpans(Random random, StringTable strings, int count)
    {
        var spans = new ModelSpan[count];
        var trace = new TraceId((ulong)random.NextInt64(), (ulong)random.NextInt64() | 1);
        for (int i = 0; i < count; i++)
        {
            if (random.Next(4) == 0) trace = new TraceId(random.Next(2) == 0 ? 0 : (ulong)random.NextInt64(), (ulong)random.NextInt64() | 1);
            var peerKind = (PeerKind)random.Next(0, 5);
            spans[i] = new ModelSpan
            {
                TraceId = trace,
                SpanId = new SpanId((ulong)random.NextInt64()),
                ParentSpanId = random.Next(3) == 0 ? SpanId.Empty : new SpanId((ulong)random.NextInt64()),
                StartUnixNanos = random.Next(5) == 0 ? random.NextInt64(long.MinValue, long.MaxValue) : 1_767_225_600_000_000_000 + random.NextInt64(0, 60_000_000_000),
                DurationNanos = random.Next(5) == 0 ? random.NextInt64(long.MinValue, long.MaxValue) : random.NextInt64(0, 10_000_000_000),
                Service = random.Next(10) == 0 ? StringTable.Unknown : strings.Intern(Names[random.Next(Names.Length)]),
                Operation = strings.Intern(Names[random.Next(Names.Length)] + random.Next(3)),
                Peer = peerKind == PeerKind.None ? StringTable.None : strings.Intern(Names[random.Next(Names.Length)]),
                Kind = (SpanKind)random.Next(0, 6),
                Flags = (SpanFlags)random.Next(0, 16),
                PeerKind = peerKind,
            };
        }
        return spans;
    }

    private static void AssertSameSpan(ModelSpan expected, StringTable expectedStrings, ModelSpan actual, StringTable actualStrings)
    {
        Assert.Equal(expected.TraceId, actual.TraceId);
        Assert.Equal(expected.SpanId, actual.SpanId);
        Assert.Equal(expected.ParentSpanId, actual.ParentSpanId);
        Assert.Equal(expected.StartUnixNanos, actual.StartUnixNanos);
        Assert.Equal(expected.DurationNanos, actual.DurationNanos);
        Assert.Equal(expectedStrings[expected.Service], actualStrings[actual.Service]);
        Assert.Equal(expectedStrings[expected.Operation], actualStrings[actual.Operation]);
        Assert.Equal(expectedStrings[expected.Peer], actualStrings[actual.Peer]);
        Assert.Equal(expected.Kind, actual.Kind);
        Assert.Equal(expected.Flags, actual.Flags);
        Assert.Equal(expected.PeerKind, actual.PeerKind);
        Assert.True(Encoding.UTF8.GetByteCount(actualStrings[actual.Operation]) > 0);
    }
}
