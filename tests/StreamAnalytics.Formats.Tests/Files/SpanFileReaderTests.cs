using System.Text;
using StreamAnalytics.Formats.Files;
using StreamAnalytics.Formats.Tests.Support;
using StreamAnalytics.Tools;

namespace StreamAnalytics.Formats.Tests.Files;

public sealed class SpanFileReaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("formats-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void A_pretty_printed_json_document_is_one_message()
    {
        string path = Write("otlp.json", TestData.Bytes("otlp.input.json"));
        Assert.Single(SpanFileReader.ReadMessages(path, SpanFormat.OtlpJson));
    }

    [Fact]
    public void Json_lines_are_one_message_each_and_blank_lines_are_ignored()
    {
        string text = File.ReadAllText(TestData.Path("jaeger.input.ndjson")).Replace("\n", "\n\r\n   \n");
        string path = Write("jaeger.ndjson", Encoding.UTF8.GetBytes("\uFEFF" + text));
        List<ReadOnlyMemory<byte>> messages = SpanFileReader.ReadMessages(path, SpanFormat.JaegerJson).ToList();
        Assert.Equal(5, messages.Count);
        var batch = new SpanBatch();
        ISpanDecoder decoder = SpanDecoders.Create(SpanFormat.JaegerJson, new Formats.Model.StringTable());
        foreach (ReadOnlyMemory<byte> message in messages) Assert.True(decoder.TryDecode(message.Span, batch, out _));
    }

    [Fact]
    public void A_broken_json_line_is_still_returned_so_the_decoder_can_report_it()
    {
        string path = Write("bad.ndjson", Encoding.UTF8.GetBytes("[]\n{broken\n[]\n"));
        Assert.Equal(3, SpanFileReader.ReadMessages(path, SpanFormat.ZipkinJson).Count());
    }

    [Theory]
    [InlineData(SpanFormat.OtlpProto)]
    [InlineData(SpanFormat.ZipkinProto)]
    [InlineData(SpanFormat.JaegerProto)]
    public void Length_delimited_protobuf_messages_are_split_as_written(SpanFormat format)
    {
        IReadOnlyList<byte[]> messages = SpanEncoders.Encode(format, SampleTrace.Spans(), 3);
        using var stream = new MemoryStream();
        SpanFileWriter.WriteDelimited(stream, messages);
        string path = Write("spans.bin", stream.ToArray());

        List<ReadOnlyMemory<byte>> read = SpanFileReader.ReadMessages(path, format).ToList();
        Assert.Equal(messages.Count, read.Count);
        for (int i = 0; i < messages.Count; i++) Assert.True(read[i].Span.SequenceEqual(messages[i]));
    }

    [Theory]
    [InlineData(SpanFormat.OtlpProto)]
    [InlineData(SpanFormat.ZipkinProto)]
    [InlineData(SpanFormat.JaegerProto)]
    public void A_single_raw_protobuf_message_is_one_message(SpanFormat format)
    {
        byte[] message = SpanEncoders.Encode(format, SampleTrace.Spans())[0];
        string path = Write("one.bin", message);
        ReadOnlyMemory<byte> read = Assert.Single(SpanFileReader.ReadMessages(path, format));
        Assert.Equal(message.Length, read.Length);
    }

    [Fact]
    public void Json_lines_written_by_the_writer_read_back_as_the_same_messages()
    {
        IReadOnlyList<byte[]> messages = SpanEncoders.Encode(SpanFormat.ZipkinJson, SampleTrace.Spans(), 4);
        using var stream = new MemoryStream();
        SpanFileWriter.Write(stream, SpanFormat.ZipkinJson, messages);
        string path = Write("zipkin.ndjson", stream.ToArray());
        List<ReadOnlyMemory<byte>> read = SpanFileReader.ReadMessages(path, SpanFormat.ZipkinJson).ToList();
        Assert.Equal(messages.Count, read.Count);
        for (int i = 0; i < messages.Count; i++) Assert.True(read[i].Span.SequenceEqual(messages[i]));
    }

    [Fact]
    public void The_json_lines_writer_refuses_a_message_with_a_line_break()
    {
        using var stream = new MemoryStream();
        Assert.Throws<ArgumentException>(() => SpanFileWriter.WriteJsonLines(stream, [Encoding.UTF8.GetBytes("[\n]")]));
    }

    [Fact]
    public void A_missing_file_throws_file_not_found()
    {
        Assert.Throws<FileNotFoundException>(() => SpanFileReader.ReadMessages(Path.Combine(_dir, "nope.json"), SpanFormat.OtlpJson));
    }
}
