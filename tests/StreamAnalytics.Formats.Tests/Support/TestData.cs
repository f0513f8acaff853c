using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Formats.Tests.Support;

internal static class TestData
{
    public static string Path(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "testdata", name);

    public static byte[] Bytes(string name) => File.ReadAllBytes(Path(name));

    /// <summary>The Nezha tables: walk up from the test binary to the folder holding StreamAnalytics.sln, then ../shared/data/nezha.</summary>
    public static string NezhaDirectory()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "StreamAnalytics.sln"))) dir = dir.Parent;
        if (dir is null) throw new InvalidOperationException("StreamAnalytics.sln not found above " + AppContext.BaseDirectory);
        return System.IO.Path.GetFullPath(System.IO.Path.Combine(dir.FullName, "..", "shared", "data", "nezha"));
    }

    public static string OnlineBoutique => System.IO.Path.Combine(NezhaDirectory(), "onlineboutique_2022-08-23_17_00_trace.csv");
    public static string TrainTicket => System.IO.Path.Combine(NezhaDirectory(), "trainticket_2023-01-29_08_50_trace.csv");

    public static List<SpanView> Decode(SpanFormat format, IEnumerable<byte[]> messages, StringTable? strings = null)
    {
        strings ??= new StringTable();
        ISpanDecoder decoder = SpanDecoders.Create(format, strings);
        var batch = new SpanBatch();
        foreach (byte[] message in messages)
        {
            Assert.True(decoder.TryDecode(message, batch, out DecodeError? error), error?.ToString());
            Assert.Null(error);
        }
        return SpanView.All(batch, strings);
    }

    public static List<SpanView> Decode(SpanFormat format, byte[] message) => Decode(format, [message]);

    public static DecodeError DecodeFails(SpanFormat format, ReadOnlySpan<byte> message, DecoderOptions? options = null)
    {
        ISpanDecoder decoder = SpanDecoders.Create(format, new StringTable(), options ?? DecoderOptions.Default);
        var batch = new SpanBatch();
        batch.Add() = new Span { SpanId = new SpanId(42) }; // a span from an earlier message must survive
        Assert.False(decoder.TryDecode(message, batch, out DecodeError? error));
        Assert.NotNull(error);
        Assert.Equal(1, batch.Count);
        Assert.Equal(42UL, batch[0].SpanId.Value);
        Assert.False(string.IsNullOrWhiteSpace(error.Reason));
        Assert.Equal(format, error.Format);
        return error;
    }

    public static readonly SpanFormat[] AllFormats =
        [SpanFormat.OtlpProto, SpanFormat.OtlpJson, SpanFormat.JaegerProto, SpanFormat.JaegerJson, SpanFormat.ZipkinJson, SpanFormat.ZipkinProto];

    public static TheoryData<SpanFormat> Formats()
    {
        var data = new TheoryData<SpanFormat>();
        foreach (SpanFormat f in AllFormats) data.Add(f);
        return data;
    }
}
