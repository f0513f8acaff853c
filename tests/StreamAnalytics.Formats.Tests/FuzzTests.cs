using StreamAnalytics.Formats.Model;
using StreamAnalytics.Formats.Tests.Support;
using StreamAnalytics.Tools;

namespace StreamAnalytics.Formats.Tests;

/// <summary>
/// Seeded mutation fuzzing of every decoder: thousands of damaged messages (bit flips, truncations, splices, inserted
/// and deleted bytes, random bytes). The contract under test is ISpanDecoder's: never throw; on failure leave the batch
/// exactly as it was and give a reason; on success add only spans with valid ids and non-negative durations.
/// </summary>
public class FuzzTests
{
    private const int Iterations = 3000;

    public static TheoryData<SpanFormat> Formats() => TestData.Formats();

    [Theory]
    [MemberData(nameof(Formats))]
    public void Mutated_messages_never_throw_and_failures_leave_the_batch_unchanged(SpanFormat format)
    {
        List<byte[]> corpus = Corpus(format);
        var random = new Random(20240611 + (int)format);
        var strings = new StringTable(4096);
        ISpanDecoder decoder = SpanDecoders.Create(format, strings, new DecoderOptions { MaxSpansPerMessage = 10_000, MaxDepth = 32 });
        var batch = new SpanBatch();
        int failures = 0, successes = 0;

        for (int i = 0; i < Iterations; i++)
        {
            byte[] message = Mutate(corpus, random);
            if (batch.Count > 100_000) batch.Clear();
            int before = batch.Count;
            SpanId marker = before > 0 ? batch[before - 1].SpanId : default;

            bool ok = decoder.TryDecode(message, batch, out DecodeError? error);

            if (ok)
            {
                successes++;
                Assert.Null(error);
                for (int s = before; s < batch.Count; s++)
                {
                    Span span = batch[s];
                    Assert.False(span.TraceId.IsEmpty);
                    Assert.False(span.SpanId.IsEmpty);
                    Assert.True(span.DurationNanos >= 0);
                    Assert.InRange(span.Service, 0, strings.Count - 1);
                    Assert.InRange(span.Operation, 0, strings.Count - 1);
                }
            }
            else
            {
                failures++;
                Assert.NotNull(error);
                Assert.Equal(before, batch.Count);
                if (before > 0) Assert.Equal(marker, batch[before - 1].SpanId);
                Assert.False(string.IsNullOrWhiteSpace(error.Reason));
                Assert.True(Enum.IsDefined(error.Kind));
                Assert.InRange(error.ByteOffset, -1, message.Length);
                Assert.Equal(format, error.Format);
            }
        }
        // Both outcomes must be exercised, or the fuzzer is not testing what it claims to.
        Assert.True(failures > Iterations / 10, $"only {failures} failures");
        Assert.True(successes > 10, $"only {successes} successes");
    }

    private static List<byte[]> Corpus(SpanFormat format)
    {
        var corpus = new List<byte[]>();
        corpus.AddRange(SpanEncoders.Encode(format, SampleTrace.Spans()));
        corpus.AddRange(SpanEncoders.Encode(format, SampleTrace.Spans(), 2));
        switch (format)
        {
            case SpanFormat.OtlpJson: corpus.Add(TestData.Bytes("otlp.input.json")); break;
            case SpanFormat.ZipkinJson: corpus.Add(TestData.Bytes("zipkin.input.json")); break;
            case SpanFormat.JaegerJson:
                foreach (string line in File.ReadAllLines(TestData.Path("jaeger.input.ndjson")))
                    if (line.Length > 0) corpus.Add(System.Text.Encoding.UTF8.GetBytes(line));
                break;
        }
        return corpus;
    }

    private static byte[] Mutate(List<byte[]> corpus, Random random)
    {
        byte[] seed = corpus[random.Next(corpus.Count)];
        switch (random.Next(7))
        {
            case 0: // flip a few bits
            {
                byte[] copy = (byte[])seed.Clone();
                int flips = random.Next(1, 9);
                for (int i = 0; i < flips; i++) copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
                return copy;
            }
            case 1: // truncate
                return seed[..random.Next(seed.Length)];
            case 2: // splice the head of one message onto the tail of another
            {
                byte[] other = corpus[random.Next(corpus.Count)];
                return [.. seed[..random.Next(seed.Length)], .. other[random.Next(other.Length)..]];
            }
            case 3: // insert random bytes
            {
                int at = random.Next(seed.Length);
                byte[] noise = new byte[random.Next(1, 8)];
                random.NextBytes(noise);
                return [.. seed[..at], .. noise, .. seed[at..]];
            }
            case 4: // delete a range
            {
                int at = random.Next(seed.Length);
                int length = Math.Min(seed.Length - at, random.Next(1, 16));
                return [.. seed[..at], .. seed[(at + length)..]];
            }
            case 5: // overwrite one byte with an interesting value
            {
                byte[] copy = (byte[])seed.Clone();
                byte[] interesting = [0x00, 0x7F, 0x80, 0xFF, (byte)'"', (byte)'{', (byte)'[', (byte)'\\', 0x0A, 0x12];
                copy[random.Next(copy.Length)] = interesting[random.Next(interesting.Length)];
                return copy;
            }
            default: // random bytes
            {
                byte[] noise = new byte[random.Next(0, 200)];
                random.NextBytes(noise);
                return noise;
            }
        }
    }
}
