using StreamAnalytics.Streams.Errors;

namespace StreamAnalytics.Streams.Tests.Errors;

public class DeadLetterHeadersTests
{
    // Every producer and test names the headers through DeadLetterHeaders; this pins the names themselves, which
    // operators' consumers of {application.id}-dlq read (src/StreamAnalytics.Streams/README.md).
    [Fact]
    public void The_dead_letter_header_names_and_topic_suffix_are_the_documented_ones()
    {
        Assert.Equal("x-source-topic", DeadLetterHeaders.SourceTopic);
        Assert.Equal("x-source-partition", DeadLetterHeaders.SourcePartition);
        Assert.Equal("x-source-offset", DeadLetterHeaders.SourceOffset);
        Assert.Equal("x-error-reason", DeadLetterHeaders.ErrorReason);
        Assert.Equal("x-error-kind", DeadLetterHeaders.ErrorKind);
        Assert.Equal("-dlq", DeadLetterHeaders.TopicSuffix);
    }
}
