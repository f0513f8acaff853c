using System.Text;
using StreamAnalytics.Features.Repartition;
using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Features.Tests.Repartition;

public sealed class TraceIdKeyTests
{
    [Theory]
    [InlineData("21", -973932308)]
    [InlineData("foobar", -790332482)]
    [InlineData("a-little-bit-long-string", -985981536)]
    [InlineData("a-little-bit-longer-string", -1486304829)]
    [InlineData("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971)]
    [InlineData("abc", 479470107)]
    public void Murmur2_matches_the_java_client_bit_for_bit(string input, int expected)
    {
        // Vectors from Kafka's UtilsTest.testMurmur2.
        Assert.Equal(expected, TraceIdKey.Murmur2(Encoding.ASCII.GetBytes(input)));
    }

    [Fact]
    public void The_key_is_the_16_big_endian_bytes_of_the_trace_id_and_reads_back()
    {
        var id = new TraceId(0x0102030405060708, 0x090A0B0C0D0E0F10);
        byte[] key = TraceIdKey.ToKey(id);

        Assert.Equal(Enumerable.Range(1, 16).Select(i => (byte)i), key);
        Assert.True(TraceIdKey.TryReadKey(key, out var back));
        Assert.Equal(id, back);
        Assert.False(TraceIdKey.TryReadKey(new byte[16], out _));
        Assert.False(TraceIdKey.TryReadKey(new byte[5], out _));
    }

    [Fact]
    public void Every_span_of_a_trace_maps_to_one_partition_and_traces_spread_over_all_partitions()
    {
        var random = new Random(3);
        var seen = new HashSet<int>();
        for (int i = 0; i < 1_000; i++)
        {
            var id = new TraceId((ulong)random.NextInt64(), (ulong)random.NextInt64());
            int p = TraceIdKey.Partition(id, 12);
            Assert.Equal(p, TraceIdKey.Partition(TraceIdKey.ToKey(id), 12));
            Assert.InRange(p, 0, 11);
            seen.Add(p);
        }
        Assert.Equal(12, seen.Count);
    }
}
